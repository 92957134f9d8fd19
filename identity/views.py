"""The workspace admin's Identity providers pages: the list, adding and editing a Duo
or an Okta connection (tested at once on save), removing one, and picking the Halo
clients each one serves."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from identity import halo_clients, services
from identity.forms import FORMS, ClientSearchForm, PickedClientsForm, ProviderForm
from identity.models import IdentityProvider, ProviderClient
from integrations.halo.errors import HaloError
from integrations.models import HaloConnection
from mspprocess.core.access import tenant_view
from mspprocess.core.models import Membership, Tenant
from mspprocess.parsing import parse_id

admin_view = tenant_view(Membership.Role.ADMIN)
# 10,000 pages of 50: more clients than any MSP has; Halo's page_no is an int32.
MAX_PAGE = 10_000


def _providers(tenant: Tenant) -> QuerySet[IdentityProvider]:
    return IdentityProvider.objects.filter(tenant=tenant)


def _provider(tenant: Tenant, pk: int) -> IdentityProvider:
    # Another workspace's provider is as unknown as one that does not exist.
    return get_object_or_404(_providers(tenant).select_related("tenant"), pk=pk)


def _test_and_say(request: HttpRequest, provider: IdentityProvider, *, saved: bool) -> None:
    """Test the connection now and say how it went (the page shows the details)."""
    result = services.test_provider(provider, actor=request.user, request=request)
    done = "Saved. " if saved else ""
    if result.ok:
        messages.success(request, f"{done}Connection test passed: {result.message}")
    elif saved:
        messages.error(request, f"Saved, but the connection test failed: {result.message}")
    else:
        messages.error(request, f"The connection test failed: {result.message}")


@admin_view
def providers(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    ctx = {
        "tenant": tenant,
        "providers": _providers(tenant).prefetch_related("clients"),
        "kinds": IdentityProvider.Kind.choices,
        "active": "identity",
    }
    return render(request, "identity/providers.html", ctx)


@admin_view
def provider_add(request: HttpRequest, tenant: Tenant, kind: str) -> HttpResponse:
    form_class = FORMS.get(kind)
    if form_class is None:
        raise Http404("No such kind of identity provider.")
    form = form_class(request.POST or None, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        try:
            provider = services.add_provider(
                tenant, kind, form.cleaned_data, actor=request.user, request=request
            )
        except services.NameTaken as e:
            form.add_error("name", e.message)
        else:
            _test_and_say(request, provider, saved=True)
            return redirect("identity_provider", tenant.slug, provider.pk)
    return _form_page(request, tenant, form, None)


@admin_view
def provider_edit(request: HttpRequest, tenant: Tenant, pk: int) -> HttpResponse:
    provider = _provider(tenant, pk)
    form = FORMS[provider.kind](request.POST or None, tenant=tenant, provider=provider)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_provider(
                provider, form.cleaned_data, actor=request.user, request=request
            )
        except services.NameTaken as e:
            form.add_error("name", e.message)
        else:
            _test_and_say(request, provider, saved=True)
            return redirect("identity_provider", tenant.slug, provider.pk)
        provider.refresh_from_db()  # what the page shows beside the form is what is stored
    return _form_page(request, tenant, form, provider)


def _form_page(
    request: HttpRequest, tenant: Tenant, form: ProviderForm, provider: IdentityProvider | None
) -> HttpResponse:
    kind = IdentityProvider.Kind(form.kind)
    ctx = {
        "tenant": tenant,
        "form": form,
        "provider": provider,
        "kind": kind,
        "kind_label": kind.label,
        "fields": [form[name] for name in form.fields],
        "active": "identity",
    }
    return render(request, "identity/provider_form.html", ctx)


@require_POST
@admin_view
def provider_test(request: HttpRequest, tenant: Tenant, pk: int) -> HttpResponse:
    provider = _provider(tenant, pk)
    _test_and_say(request, provider, saved=False)
    return redirect("identity_provider", tenant.slug, provider.pk)


@admin_view
def provider_remove(request: HttpRequest, tenant: Tenant, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST removes."""
    provider = _provider(tenant, pk)
    if request.method == "POST":
        services.remove_provider(provider, actor=request.user, request=request)
        messages.success(
            request,
            f"{provider.name} is removed. Technicians can no longer send a push through it; "
            "verifications already made stay in the report.",
        )
        return redirect("identity_providers", tenant.slug)
    ctx = {
        "tenant": tenant,
        "provider": provider,
        "clients": list(provider.clients.all()),
        "active": "identity",
    }
    return render(request, "identity/provider_remove.html", ctx)


@admin_view
def provider_clients(request: HttpRequest, tenant: Tenant, pk: int) -> HttpResponse:
    """The provider's Halo clients. GET shows them (and, asked `q`, one page of Halo's
    client list: one Halo call); POST replaces them with the ticked ones."""
    provider = _provider(tenant, pk)
    mapped = {c.halo_client_id: c.halo_client_name for c in provider.clients.all()}
    if request.method == "POST":
        picked = PickedClientsForm(request.POST, mapped)
        if picked.is_valid():
            try:
                change = services.set_clients(
                    provider, picked.picked, actor=request.user, request=request
                )
            except services.ClientTaken as e:
                messages.error(request, e.message)
            else:
                messages.success(request, _change_words(provider, change))
                return redirect("identity_provider_clients", tenant.slug, provider.pk)
        else:
            for error in picked.errors:
                messages.error(request, error)
        # Nothing was saved: the page again, with what was there before.

    search = ClientSearchForm(request.GET if "q" in request.GET else None)
    results, halo_error = None, ""
    if search.is_bound and search.is_valid():
        # No page, or one that is not a number, is the first (past the last: an empty one).
        page = min(parse_id(request.GET.get("page", "")) or 1, MAX_PAGE)
        try:
            results = halo_clients.search(tenant, search.cleaned_data["q"], page)
        except (HaloError, halo_clients.HaloNotConnected) as e:
            halo_error = str(e)  # HaloBusy: "Halo is busy: … Try again in N seconds."
    ctx = {
        "tenant": tenant,
        "provider": provider,
        "mapped": sorted(mapped.items(), key=lambda item: item[1].lower()),
        "mapped_ids": set(mapped),
        "search": search,
        "results": results,
        "rows": _result_rows(tenant, provider, results) if results else [],
        "halo_error": halo_error,
        "halo_connected": _halo_connected(tenant),
        "active": "identity",
    }
    return render(request, "identity/provider_clients.html", ctx)


def _halo_connected(tenant: Tenant) -> bool:
    conn = HaloConnection.objects.filter(tenant=tenant).first()
    return conn is not None and conn.has_credentials


def _result_rows(
    tenant: Tenant, provider: IdentityProvider, results: halo_clients.HaloClientPage
) -> list[dict[str, Any]]:
    """Halo's clients of this page, each with the provider that serves it, if any."""
    ids = [c.id for c in results.clients]
    owners = {
        row.halo_client_id: row.provider
        for row in ProviderClient.objects.filter(tenant=tenant, halo_client_id__in=ids)
        .select_related("provider")
        .exclude(provider=provider)
    }
    return [{"client": c, "other": owners.get(c.id)} for c in results.clients]


def _change_words(provider: IdentityProvider, change: services.ClientsChange) -> str:
    if not change.changed:
        return "Nothing changed."
    parts = []
    if change.added:
        parts.append(f"{len(change.added)} client{'s' if len(change.added) > 1 else ''} added")
    if change.removed:
        n = len(change.removed)
        parts.append(f"{n} client{'s' if n > 1 else ''} removed")
    return f"Saved: {' and '.join(parts)}. Technicians can push through {provider.name} to " + (
        "the contacts of the clients listed below."
    )
