"""The audit trail: who changed what in a tenant, when, and from where.

Events name the fields that changed, never their values: a trail that stored the
old and new Client Secret would be one more place for the secret to leak from.
record() takes field *names* only, and refuses anything that does not look like one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst

from mspprocess.client_ip import client_ip
from mspprocess.core.people import display_name

if TYPE_CHECKING:
    from django.http import HttpRequest

    from mspprocess.core.models import Tenant

# Field names as Python spells them: a value (a secret, an address) fails this.
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
DETAIL_MAX_LENGTH = 200


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        TENANT_CREATED = "tenant.created", "Workspace created"
        TENANT_CHANGED = "tenant.changed", "Workspace details changed"
        TENANT_STATUS_CHANGED = "tenant.status_changed", "Workspace status changed"
        # By itself, when the last onboarding step is done (tickettab/onboarding.py).
        TENANT_ACTIVATED = "tenant.activated", "Workspace active: onboarding finished"
        TENANT_DELETED = "tenant.deleted", "Workspace deleted"
        CONNECTION_CREDENTIALS_CHANGED = (
            "connection.credentials_changed",
            "Halo credentials changed",
        )
        CONNECTION_TESTED = "connection.tested", "Halo connection tested"
        CONNECTION_TAB_KEY_ROTATED = "connection.tab_key_rotated", "New tab URL generated"
        CONNECTION_TAB_SECRET_ROTATED = "connection.tab_secret_rotated", "New tab secret generated"
        CONNECTION_CALL_SHARE_CHANGED = (
            "connection.call_share_changed",
            "Share of Halo's API limit changed",
        )
        # "Install the tab for me" and "Remove the tab" (tickettab/install/): changes
        # made in the MSP's own Halo, so the trail says so in its own entries.
        TAB_INSTALLED = "tab.installed", "Tab installed in Halo"
        TAB_REMOVED = "tab.removed", "Tab removed from Halo"
        IDENTITY_PROVIDER_ADDED = "identity_provider.added", "Identity provider added"
        IDENTITY_PROVIDER_CHANGED = "identity_provider.changed", "Identity provider changed"
        IDENTITY_PROVIDER_REMOVED = "identity_provider.removed", "Identity provider removed"
        IDENTITY_PROVIDER_TESTED = "identity_provider.tested", "Identity provider tested"
        IDENTITY_PROVIDER_CLIENTS = (
            "identity_provider.clients",
            "Halo clients of an identity provider changed",
        )
        MEMBERSHIP_ADDED = "membership.added", "Member added"
        MEMBERSHIP_ROLE_CHANGED = "membership.role_changed", "Member's role changed"
        MEMBERSHIP_REMOVED = "membership.removed", "Member removed"
        INVITATION_SENT = "invitation.sent", "Invitation sent"
        SETTINGS_CHANGED = "settings.changed", "Verification settings changed"
        # Alerts on impersonation attempts (alerts/services.py).
        ALERT_SETTINGS_CHANGED = "alerts.settings_changed", "Alert settings changed"
        ALERT_ACKNOWLEDGED = "alerts.acknowledged", "Alert acknowledged"

    # CASCADE, not SET_NULL: an event without its tenant would be a trail nobody can
    # read or filter. Not PROTECT either: when a customer leaves, their data (this
    # trail included) is deleted with them; the deletion itself is recorded with
    # tenant=None, which is also what null is for (events about no tenant).
    tenant = models.ForeignKey(
        "mspprocess.Tenant",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="audit_events",
    )
    # The account may be deleted later; actor_name keeps who it was.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=50, choices=Action.choices)
    fields = models.JSONField(default=list, blank=True, help_text="Names of the changed fields.")
    detail = models.CharField(max_length=DETAIL_MAX_LENGTH, blank=True)
    # A default rather than auto_now_add, so imports and tests can set the time.
    created = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)

    class Meta:
        verbose_name = "audit event"
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["tenant", "-created"], name="auditevent_tenant_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.created:%Y-%m-%d %H:%M})"

    @property
    def field_labels(self) -> list[str]:
        return [field_label(self.action, name) for name in self.fields or []]

    @property
    def summary(self) -> str:
        """The event's details in words: "Client Secret changed · …"; never a value."""
        parts = []
        if labels := self.field_labels:
            parts.append(f"{join_words(labels)} changed")
        if self.detail:
            # Verbatim: details hold emails and names, which must not be recased
            # ("Acme-admin@…"); only the connection test's outcome codes get words.
            parts.append(DETAIL_WORDS.get(self.detail, self.detail))
        return " · ".join(parts)


# The connection test records its outcome as a code (integrations/services.py).
DETAIL_WORDS = {"connected": "Connected", "failing": "Failing", "busy": "Halo busy: not tested"}


# The model whose fields an action's `fields` name, for their human labels, by the
# action's prefix ("connection" for "connection.credentials_changed"). Each app that
# records such actions registers its model (`label_fields_with`, from its AppConfig),
# so this module imports no app above it.
_ACTION_MODELS: dict[str, type[models.Model]] = {}


def label_fields_with(prefix: str, model: type[models.Model]) -> None:
    _ACTION_MODELS[prefix] = model


def field_label(action: str, name: str) -> str:
    """The label people see for a field, e.g. "client_secret" → "Client Secret"."""
    model = _ACTION_MODELS.get(action.partition(".")[0])
    if model is not None:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            pass
        else:
            verbose = getattr(field, "verbose_name", None)
            if verbose:
                return str(capfirst(verbose))
    return capfirst(name.replace("_", " "))


def join_words(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _field_names(fields: Iterable[str]) -> list[str]:
    if isinstance(fields, str | bytes):
        raise TypeError("fields takes a list of field names, not a string")
    names = list(dict.fromkeys(fields))  # once each, in the given order
    for name in names:
        # The message does not repeat what was passed: it might be a secret.
        if not isinstance(name, str) or not FIELD_NAME.fullmatch(name):
            raise ValueError("fields takes field names such as 'client_secret', never values")
    return names


def record(
    tenant: Tenant | None,
    actor: Any,
    action: str,
    *,
    fields: Iterable[str] = (),
    detail: str = "",
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Write one event to the trail and return it.

    `actor` is the user who acted (None or an anonymous user for the system, e.g. a
    management command). `fields` are the *names* of changed fields; `detail` is
    short, non-secret context such as "connected" or "Admin → Technician". Call it
    inside the transaction of the change, so one is never saved without the other.
    """
    action = AuditEvent.Action(action)  # ValueError for an action we do not know
    if actor is not None and not actor.is_authenticated:
        actor = None
    detail = detail.strip()
    if len(detail) > DETAIL_MAX_LENGTH:
        detail = detail[: DETAIL_MAX_LENGTH - 1] + "…"
    return AuditEvent.objects.create(
        tenant=tenant,
        actor=actor,
        actor_name=display_name(actor)[:150] if actor is not None else "",
        action=action,
        fields=_field_names(fields),
        detail=detail,
        ip_address=client_ip(request),
    )


def changed_fields(before: Any, after: Mapping[str, Any] | None = None) -> list[str]:
    """Names of the fields that differ between two snapshots (dicts of name → value).

    With a bound form and no `after`, the form's own changed_data. Only names come
    back, so the result can go straight to record(fields=…).
    """
    if after is None:
        return list(before.changed_data)
    names = list(dict.fromkeys([*before, *after]))
    return [name for name in names if before.get(name) != after.get(name)]
