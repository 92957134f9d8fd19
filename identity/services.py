"""What the Identity providers pages, the console and the demo write: a workspace's
Duo and Okta connections and the Halo clients each one serves. Each write is audited
here; `search_halo_clients` is the one read, Halo's client list for the picker.

Secrets are write-only: a blank secret keeps the stored one, and the trail names the
fields that changed, never their values.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from identity import adapters, lookup
from identity.models import IdentityProvider, ProviderClient
from mspprocess.core import audit
from mspprocess.core.models import Tenant
from mspprocess.errors import ReadableError
from mspprocess.parsing import INT32_MAX

if TYPE_CHECKING:
    from django.http import HttpRequest

logger = logging.getLogger(__name__)
Action = audit.AuditEvent.Action

# The fields of each kind, as the forms name them; the secret is the last of each.
FIELDS = {
    IdentityProvider.Kind.DUO: ("name", "duo_integration_key", "duo_api_host", "match_field"),
    IdentityProvider.Kind.OKTA: ("name", "okta_org_url", "match_field"),
}
SECRET = {
    IdentityProvider.Kind.DUO: "duo_secret_key",
    IdentityProvider.Kind.OKTA: "okta_api_token",
}
# What the connection test proves: changing one makes the last result stale.
CONNECTION_FIELDS = {
    "duo_integration_key",
    "duo_secret_key",
    "duo_api_host",
    "okta_org_url",
    "okta_api_token",
}
TEST_MESSAGE_MAX = IdentityProvider._meta.get_field("last_test_message").max_length or 300


class ProviderRefused(ReadableError):
    """A write the workspace's other data forbids; the message says why and what to do."""


class NameTaken(ProviderRefused):
    pass


class ClientTaken(ProviderRefused):
    pass


def _name_taken(name: str) -> NameTaken:
    return NameTaken(
        f"Another identity provider of this workspace is called “{name}”. Choose another "
        "name: technicians tell them apart by it."
    )


# -- adding, changing and removing -----------------------------------------------------


def add_provider(
    tenant: Tenant,
    kind: str,
    data: Mapping[str, str],
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> IdentityProvider:
    """Create a provider of `kind` from a form's cleaned data (its fields of that kind).
    Raises NameTaken when the workspace already has one of that name."""
    kind = IdentityProvider.Kind(kind)
    provider = IdentityProvider(tenant=tenant, kind=kind, updated_by=_user(actor))
    for name in (*FIELDS[kind], SECRET[kind]):
        setattr(provider, name, data.get(name) or "")
    try:
        with transaction.atomic():
            provider.save()
            audit.record(
                tenant,
                actor,
                Action.IDENTITY_PROVIDER_ADDED,
                detail=_label(provider),
                request=request,
            )
    except IntegrityError:  # the unique name, taken between the form's check and now
        raise _name_taken(provider.name) from None
    logger.info("identity provider %s (%s) added to tenant %s", provider.pk, kind, tenant.pk)
    return provider


def change_provider(
    provider: IdentityProvider,
    data: Mapping[str, str],
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> list[str]:
    """Store a form's cleaned data; returns the changed field names (never values).

    A blank secret keeps the stored one. A change to what the connection test proves
    (keys, address) clears the last result: it no longer says anything about them.
    """
    changed = []
    for name in FIELDS[IdentityProvider.Kind(provider.kind)]:
        value = data.get(name) or ""
        if getattr(provider, name) != value:
            setattr(provider, name, value)
            changed.append(name)
    secret_field = SECRET[IdentityProvider.Kind(provider.kind)]
    secret = data.get(secret_field) or ""
    if secret and secret != getattr(provider, secret_field):
        setattr(provider, secret_field, secret)
        changed.append(secret_field)
    if not changed:
        return []
    if CONNECTION_FIELDS.intersection(changed):
        provider.last_tested_at = None
        provider.last_test_ok = None
        provider.last_test_message = ""
    provider.updated_by = _user(actor)
    try:
        with transaction.atomic():
            provider.save()
            audit.record(
                provider.tenant,
                actor,
                Action.IDENTITY_PROVIDER_CHANGED,
                fields=changed,
                detail=_label(provider),
                request=request,
            )
    except IntegrityError:
        raise _name_taken(provider.name) from None
    lookup.forget(provider.tenant_id)  # this process's copy of the tab's button names it
    logger.info("identity provider %s changed: %s", provider.pk, ", ".join(sorted(changed)))
    return changed


def remove_provider(
    provider: IdentityProvider, *, actor: Any = None, request: HttpRequest | None = None
) -> None:
    """Delete the provider and its Halo clients. Verifications made through it keep
    their history (their `provider` becomes empty)."""
    label, pk = _label(provider), provider.pk
    with transaction.atomic():
        provider.delete()  # its ProviderClient rows go with it (CASCADE)
        audit.record(
            provider.tenant, actor, Action.IDENTITY_PROVIDER_REMOVED, detail=label, request=request
        )
    lookup.forget(provider.tenant_id)
    logger.info("identity provider %s removed", pk)


# -- the connection test ---------------------------------------------------------------


@dataclass(frozen=True)
class TestResult:
    ok: bool
    message: str  # what worked, or what failed and what to do, in the provider's words

    __test__ = False  # a result, not a test case, for pytest's collector


def test_provider(
    provider: IdentityProvider, *, actor: Any = None, request: HttpRequest | None = None
) -> TestResult:
    """Ask the provider whether the keys and the address work; store and audit the outcome."""
    try:
        result = TestResult(True, adapters.test_connection(provider))
    except adapters.ProviderError as e:
        result = TestResult(False, e.message)
    provider.last_tested_at = timezone.now()
    provider.last_test_ok = result.ok
    provider.last_test_message = _clipped(result.message)
    with transaction.atomic():
        provider.save(update_fields=["last_tested_at", "last_test_ok", "last_test_message"])
        audit.record(
            provider.tenant,
            actor,
            Action.IDENTITY_PROVIDER_TESTED,
            detail=f"{_label(provider)}: {'connected' if result.ok else 'failing'}",
            request=request,
        )
    logger.info("identity provider %s tested: %s", provider.pk, "ok" if result.ok else "failing")
    return result


test_provider.__test__ = False  # type: ignore[attr-defined] # a service, not a pytest test


# -- the Halo clients of a provider ----------------------------------------------------


@dataclass(frozen=True)
class ClientsChange:
    added: list[str]
    removed: list[str]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def set_clients(
    provider: IdentityProvider,
    picked: Mapping[int, str],
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> ClientsChange:
    """Make `picked` (Halo client id → name as Halo showed it) the provider's clients.

    A client another provider of the workspace serves is refused (ClientTaken, naming
    that provider), never moved: the admin decides which one it keeps. All or nothing,
    in one transaction. Clients it keeps keep the name they were picked with.
    """
    ids = set(picked)
    if any(not isinstance(i, int) or isinstance(i, bool) or not 0 < i <= INT32_MAX for i in ids):
        raise ValueError("Halo client ids are positive 32-bit integers")
    tenant = provider.tenant
    try:
        with transaction.atomic():
            taken = (
                ProviderClient.objects.filter(tenant=tenant, halo_client_id__in=ids)
                .exclude(provider=provider)
                .select_related("provider")
                .order_by("halo_client_name")
            )
            if refused := list(taken):
                raise _client_taken(refused)
            current = {c.halo_client_id: c for c in provider.clients.all()}
            gone = [current[i] for i in sorted(set(current) - ids, key=lambda i: current[i].pk)]
            new = [
                ProviderClient(
                    tenant=tenant,
                    provider=provider,
                    halo_client_id=i,
                    halo_client_name=picked[i][:200],
                )
                for i in sorted(ids - set(current))
            ]
            change = ClientsChange(
                added=sorted(c.halo_client_name for c in new),
                removed=sorted(c.halo_client_name for c in gone),
            )
            if not change.changed:
                return change
            ProviderClient.objects.filter(pk__in=[c.pk for c in gone]).delete()
            ProviderClient.objects.bulk_create(new)
            audit.record(
                tenant,
                actor,
                Action.IDENTITY_PROVIDER_CLIENTS,
                detail=_clients_detail(provider, change),
                request=request,
            )
    except IntegrityError:
        # Another admin gave one of them to another provider at the same moment.
        taken = ProviderClient.objects.filter(tenant=tenant, halo_client_id__in=ids).exclude(
            provider=provider
        )
        raise _client_taken(list(taken.select_related("provider"))) from None
    # The tab's button reads a copy of the mapping: this process's shows the change at
    # once, other processes' within lookup.MEMO_SECONDS.
    lookup.forget(tenant.pk)
    logger.info(
        "identity provider %s clients: %d added, %d removed",
        provider.pk,
        len(change.added),
        len(change.removed),
    )
    return change


def _client_taken(rows: list[ProviderClient]) -> ClientTaken:
    if not rows:
        return ClientTaken("Another admin changed these clients just now. Reload and try again.")
    first = rows[0]
    more = f" (and {len(rows) - 1} more of the picked clients)" if len(rows) > 1 else ""
    return ClientTaken(
        f"{first.halo_client_name} already verifies with {first.provider.name}{more}. A Halo "
        f"client uses one identity provider: untick it here, or remove it from "
        f"{first.provider.name} first."
    )


def _clients_detail(provider: IdentityProvider, change: ClientsChange) -> str:
    parts = []
    if change.added:
        parts.append("added " + ", ".join(change.added))
    if change.removed:
        parts.append("removed " + ", ".join(change.removed))
    return f"{provider.name}: " + "; ".join(parts)  # audit.record clips it


# -- helpers ---------------------------------------------------------------------------


def _label(provider: IdentityProvider) -> str:
    return f"{provider.name} ({provider.get_kind_display()})"


def _clipped(message: str) -> str:
    message = " ".join((message or "").split())
    if len(message) > TEST_MESSAGE_MAX:
        message = message[: TEST_MESSAGE_MAX - 1] + "…"
    return message


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None
