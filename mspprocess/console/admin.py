"""The onboarding console: tenants with their Halo connection, team and settings.

The read-only records (memberships, audit trail, verifications, notes) are in
admin_records.py, registered when this module is.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.safestring import SafeString

from integrations.models import HaloConnection
from integrations.services import call_usage
from mspprocess.console import actions as console
from mspprocess.console import admin_records, progress  # noqa: F401 - registers the records
from mspprocess.console.forms import ConnectionAdminForm
from mspprocess.core import audit
from mspprocess.core import services as core_services
from mspprocess.core.models import Membership, Tenant
from mspprocess.core.people import display_name
from tickettab import services as tab_services
from tickettab.models import Tab, VerificationSettings
from tickettab.onboarding import tenant_steps
from tickettab.setup import step_times

admin.site.site_header = "MSP Process onboarding console"
admin.site.site_title = "MSP Process console"
admin.site.index_title = "Home"


class StageFilter(admin.SimpleListFilter):
    title = "onboarding stage"
    parameter_name = "stage"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            (str(s.number), f"{s.number}/{progress.TOTAL} · {s.label}") for s in progress.STAGES
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() is None:
            return queryset
        return queryset.filter(onboarding_stage=int(self.value()))


class AccountManagerFilter(admin.SimpleListFilter):
    title = "account manager"
    parameter_name = "am"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        staff = User.objects.filter(is_staff=True, is_active=True).exclude(pk=request.user.pk)
        choices = [("mine", "Mine"), ("none", "Nobody")]
        choices += [(str(u.pk), display_name(u)) for u in staff.order_by("username")]
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "mine":
            return queryset.filter(account_manager=request.user)
        if value == "none":
            return queryset.filter(account_manager__isnull=True)
        if value and value.isdigit():
            return queryset.filter(account_manager_id=int(value))
        return queryset


class ConnectionInline(admin.StackedInline):
    model = HaloConnection
    form = ConnectionAdminForm
    can_delete = False
    max_num = 1
    extra = 1
    verbose_name = "Halo connection"
    verbose_name_plural = "Halo connection"
    readonly_fields = ["status", "last_checked", "agent_name", "last_error"]
    fieldsets = [
        (None, {"fields": ["base_url", "client_id", "client_secret"]}),
        (
            "Halo-hosted with a separate Authorisation Server or tenant",
            {"fields": ["auth_server", "halo_tenant"], "classes": ["collapse"]},
        ),
        (
            "Last connection test",
            {"fields": ["status", "last_checked", "agent_name", "last_error"]},
        ),
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj):
            return fieldsets
        # Read-only, the admin would print the decrypted value: leave the secret out.
        first = (None, {"fields": ["base_url", "client_id"]})
        return [first, *fieldsets[1:]]


def team_candidates(tenant: Tenant | None) -> QuerySet:
    """Whom the tenant page's team picker offers: this tenant's own people and
    customer accounts that belong to no workspace yet. Never another tenant's users
    (their names and emails are that customer's business), never staff."""
    no_workspace = Q(memberships__isnull=True)
    mine = Q(memberships__tenant=tenant) if tenant is not None and tenant.pk else Q(pk__in=[])
    return User.objects.filter(is_staff=False).filter(no_workspace | mine).distinct()


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    can_delete = False
    fields = ["user", "role", "created"]
    readonly_fields = ["created"]
    verbose_name_plural = "Team (invite the customer's admin with the button above)"

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        # The form class is built per call, so narrowing it here is per request.
        formset.form.base_fields["user"].queryset = team_candidates(obj).order_by("username")
        return formset


class SettingsInline(admin.StackedInline):
    model = VerificationSettings
    can_delete = False
    max_num = 1
    extra = 1
    verbose_name_plural = "Verification settings"
    classes = ["collapse"]


class InviteForm(forms.Form):
    email = forms.EmailField(label="Customer admin's email")


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    # The slug is searchable and on the tenant page: the list keeps room for progress.
    list_display = [
        "name",
        "status",
        "account_manager",
        "progress_column",
        "last_checked",
        "tab_seen",
    ]
    list_filter = ["status", AccountManagerFilter, StageFilter, "self_signed_up"]
    list_select_related = ["account_manager", "halo_connection", "tab"]
    search_fields = ["name", "slug", "halo_connection__base_url"]
    prepopulated_fields = {"slug": ["name"]}
    list_per_page = 100
    readonly_fields = ["created", "updated"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "status", "account_manager"]}),
        ("Dates", {"fields": ["created", "updated"], "classes": ["collapse"]}),
    ]
    inlines = [ConnectionInline, MembershipInline, SettingsInline]
    actions = [
        "action_test_connection",
        "action_rotate_tab_key",
        "action_rotate_tab_secret",
        "action_mark_active",
        "action_suspend",
        "action_take",
    ]
    change_form_template = "admin/mspprocess/tenant/change_form.html"
    # The workspace's pages are for its members: staff would meet "No such workspace".
    view_on_site = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return progress.with_progress(super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "account_manager":
            kwargs["queryset"] = User.objects.filter(is_staff=True, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"account_manager": request.user.pk} | super().get_changeform_initial_data(request)

    # -- list columns --------------------------------------------------------------

    @admin.display(description="Onboarding", ordering="onboarding_stage")
    def progress_column(self, tenant: Tenant) -> SafeString:
        return render_to_string(
            "admin/mspprocess/tenant/progress.html",
            {
                "marks": progress.marks(tenant),
                "stage": tenant.onboarding_stage,
                "done": sum(done for _, done in progress.marks(tenant)),
                "total": progress.TOTAL,
            },
        )

    @staticmethod
    def _conn(tenant: Tenant) -> HaloConnection | None:
        try:
            return tenant.halo_connection
        except HaloConnection.DoesNotExist:
            return None

    @admin.display(description="Halo connection", ordering="halo_connection__last_checked")
    def last_checked(self, tenant: Tenant) -> str:
        conn = self._conn(tenant)
        if conn is None or conn.last_checked is None:
            return "—"
        return f"{conn.get_status_display()} · {conn.last_checked:%Y-%m-%d %H:%M}"

    @admin.display(description="Tab seen", ordering="tab__seen_at")
    def tab_seen(self, tenant: Tenant) -> str:
        try:
            seen = tenant.tab.seen_at
        except Tab.DoesNotExist:
            seen = None
        return f"{seen:%Y-%m-%d %H:%M}" if seen else "—"

    # -- the onboarding panel, above the form -----------------------------------------

    def onboarding_panel(self, request: HttpRequest, tenant: Tenant) -> str:
        conn = self._conn(tenant)
        tab = tab_services.tab_for(tenant) if conn else None
        return render_to_string(
            "admin/mspprocess/tenant/onboarding_panel.html",
            {
                "conn": conn,
                "tab": tab,
                "steps": tenant_steps(tenant),
                "times": step_times(tenant, tab),
                "usage": call_usage(conn) if conn and conn.base_url else None,
                "integration_url": reverse("integration", args=[tenant.slug]),
                # The tab secret lets its holder sign any agent into the tab.
                "show_tab_keys": request.user.has_perm("integrations.change_haloconnection"),
            },
        )

    # -- saving: credentials through the same rules, and an audit trail ---------------

    def save_model(self, request: HttpRequest, obj: Tenant, form: Any, change: bool) -> None:
        core_services.save_tenant(
            obj, form.changed_data, created=not change, actor=request.user, request=request
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for f in formset.forms:
            if isinstance(f, ConnectionAdminForm):
                f.changed_by, f.request = request.user, request  # the service audits
        super().save_formset(request, form, formset, change)
        tenant = form.instance
        for obj in formset.new_objects:
            if isinstance(obj, Membership):
                audit.record(
                    tenant,
                    request.user,
                    audit.AuditEvent.Action.MEMBERSHIP_ADDED,
                    detail=f"{obj.user.get_username()} as {obj.get_role_display()}",
                    request=request,
                )
        for obj, fields in formset.changed_objects:
            action = {
                Membership: audit.AuditEvent.Action.MEMBERSHIP_ROLE_CHANGED,
                VerificationSettings: audit.AuditEvent.Action.SETTINGS_CHANGED,
            }.get(type(obj))
            if action:
                audit.record(tenant, request.user, action, fields=fields, request=request)

    # -- actions, in bulk and on the tenant page ------------------------------------

    def _run(self, request: HttpRequest, queryset: QuerySet, name: str) -> None:
        _, permission, run = console.ACTIONS[name]
        if not request.user.has_perm(permission):
            self.message_user(request, "You may not do that.", messages.ERROR)
            return
        for tenant in queryset:
            outcome = run(tenant, request)
            self.message_user(request, outcome.message, outcome.level)

    @admin.action(description="Test Halo connection", permissions=["change"])
    def action_test_connection(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run(request, queryset, "test_connection")

    @admin.action(
        description="Rotate tab key (the old tab URL stops working)", permissions=["change"]
    )
    def action_rotate_tab_key(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run(request, queryset, "rotate_tab_key")

    @admin.action(description="Rotate tab secret", permissions=["change"])
    def action_rotate_tab_secret(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run(request, queryset, "rotate_tab_secret")

    @admin.action(
        description="Take as my customer (I become the account manager)", permissions=["change"]
    )
    def action_take(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run(request, queryset, "take")

    @admin.action(description="Mark active", permissions=["change"])
    def action_mark_active(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run(request, queryset, "mark_active")

    @admin.action(description="Suspend (the tab shows “paused”)", permissions=["change"])
    def action_suspend(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run(request, queryset, "suspend")

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/do/<str:name>/", view(self.do_action), name="tenant_action"),
            path("<int:pk>/invite/", view(self.invite_view), name="tenant_invite"),
            *super().get_urls(),
        ]

    def _tenant_for_change(self, request: HttpRequest, pk: int) -> Tenant:
        tenant = get_object_or_404(Tenant, pk=pk)
        if not self.has_change_permission(request, tenant):
            raise PermissionDenied
        return tenant

    def _back(self, tenant: Tenant) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:mspprocess_tenant_change", args=[tenant.pk]))

    def do_action(self, request: HttpRequest, pk: int, name: str) -> HttpResponse:
        if request.method != "POST" or name not in console.ACTIONS:
            return HttpResponse(status=405)
        tenant = self._tenant_for_change(request, pk)
        _, permission, run = console.ACTIONS[name]
        if not request.user.has_perm(permission):
            raise PermissionDenied
        outcome = run(tenant, request)
        self.message_user(request, outcome.message, outcome.level)
        return self._back(tenant)

    def invite_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        tenant = self._tenant_for_change(request, pk)
        form = InviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            outcome = console.invite_admin(tenant, form.cleaned_data["email"], request)
            self.message_user(request, outcome.message, outcome.level)
            if outcome.level != messages.ERROR:
                return self._back(tenant)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "tenant": tenant,
            "form": form,
            "title": f"Invite the admin of {tenant}",
        }
        return render(request, "admin/mspprocess/tenant/invite.html", context)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        # One history per tenant: the audit trail, which also holds what customers
        # and the tab did. Django's own log would be a second, partial one.
        tenant = self._tenant_for_view(request, object_id)
        url = reverse("admin:mspprocess_auditevent_changelist")
        return HttpResponseRedirect(f"{url}?tenant__id__exact={tenant.pk}")

    def _tenant_for_view(self, request: HttpRequest, object_id: str) -> Tenant:
        tenant = self.get_object(request, object_id)
        if tenant is None:
            raise Http404
        if not self.has_view_or_change_permission(request, tenant):
            raise PermissionDenied
        return tenant

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        tenant = self.get_object(request, object_id)
        extra = {
            "onboarding_panel": self.onboarding_panel(request, tenant) if tenant else "",
            "console_actions": [
                (name, label)
                for name, (label, permission, _) in console.ACTIONS.items()
                if request.user.has_perm(permission)
            ],
        }
        return super().change_view(request, object_id, form_url, (extra_context or {}) | extra)
