"""What the workspace pages, the console and the commands write in the tab app: the
tab's keys and the verification settings. Each write is audited here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from mspprocess.core import audit
from mspprocess.core.models import Tenant
from tickettab.models import Tab, VerificationSettings

if TYPE_CHECKING:
    from django.http import HttpRequest

Action = audit.AuditEvent.Action


def tab_for(tenant: Tenant) -> Tab:
    """The workspace's tab, created with a fresh key and secret on first use."""
    try:
        tab = tenant.tab
    except Tab.DoesNotExist:
        tab = None
    if tab is not None and tab.key and tab.secret:
        return tab
    with transaction.atomic():
        tab, _ = Tab.objects.select_for_update().get_or_create(tenant=tenant)
        if not tab.key or not tab.secret:
            tab.ensure_keys()
            tab.save()
    tenant.tab = tab
    return tab


def create_with_connection(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """post_save of a HaloConnection: a connected workspace has a tab URL to paste."""
    if created:
        tab_for(instance.tenant)


def rotate_key(tab: Tab, *, actor: Any = None, request: HttpRequest | None = None) -> None:
    tab.rotate_key()
    with transaction.atomic():
        tab.save()
        audit.record(tab.tenant, actor, Action.CONNECTION_TAB_KEY_ROTATED, request=request)


def rotate_secret(tab: Tab, *, actor: Any = None, request: HttpRequest | None = None) -> None:
    tab.rotate_secret()
    with transaction.atomic():
        tab.save()
        audit.record(tab.tenant, actor, Action.CONNECTION_TAB_SECRET_ROTATED, request=request)


def save_settings(
    form: Any, *, actor: Any = None, request: HttpRequest | None = None
) -> VerificationSettings:
    """Save a valid VerificationSettingsForm, audited when anything changed."""
    with transaction.atomic():
        prefs: VerificationSettings = form.save()
        if form.changed_data:
            audit.record(
                prefs.tenant,
                actor,
                Action.SETTINGS_CHANGED,
                fields=form.changed_data,
                request=request,
            )
    return prefs
