"""The records in the onboarding console, read-only for everyone, superusers included:
memberships, the audit trail, verifications and the notes outbox.

A trail that can be edited proves nothing, so nobody adds, changes or deletes
events here; staff with the view permission (account managers) can read them.
People join a workspace by invitation and leave on the customer's Team page, each
checking its rules and writing the audit trail; verifications are made in the tab.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from mspprocess.console.readonly import ReadOnlyAdmin
from mspprocess.core.audit import AuditEvent, join_words
from mspprocess.core.models import Membership
from tickettab import outbox
from tickettab.models import Note, Verification


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    """Every membership, to find a person across tenants. Read-only: people join a
    workspace by invitation or on the tenant page's team, and change or leave on the
    customer's team page; each of those checks its rules and writes the audit trail."""

    list_display = ["user", "user_email", "tenant", "role", "created"]
    list_filter = ["role"]
    list_select_related = ["user", "tenant"]
    search_fields = ["user__username", "user__email", "tenant__name", "tenant__slug"]

    @admin.display(description="Email", ordering="user__email")
    def user_email(self, membership: Membership) -> str:
        return membership.user.email


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created",
        "tenant",
        "actor_display",
        "action",
        "fields_display",
        "detail",
        "ip_address",
    ]
    list_filter = [
        "action",
        ("tenant", admin.RelatedOnlyFieldListFilter),
        ("actor", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["tenant__name", "tenant__slug", "actor_name"]
    list_select_related = ["tenant", "actor"]
    date_hierarchy = "created"
    # Counting a long trail twice per page (filtered and total) is wasted work.
    show_full_result_count = False
    fields = [
        "created",
        "tenant",
        "actor",
        "actor_name",
        "action",
        "fields",
        "detail",
        "ip_address",
    ]

    @admin.display(description="Actor", ordering="actor_name")
    def actor_display(self, event: AuditEvent) -> str:
        return event.actor_name or "MSP Process"

    @admin.display(description="Fields")
    def fields_display(self, event: AuditEvent) -> str:
        return join_words(event.field_labels)


@admin.register(Verification)
class VerificationAdmin(ReadOnlyAdmin):
    list_display = [
        "created",
        "tenant",
        "contact_name",
        "ticket_id",
        "method",
        "destination",
        "agent_name",
        "status",
    ]
    list_filter = ["status", "method", "tenant"]
    list_select_related = ["tenant"]
    search_fields = ["contact_name", "agent_name", "tenant__name", "=ticket_id"]
    date_hierarchy = "created"
    # code_hash and link_hash are keyed hashes, but they are nobody's business here.
    exclude = ["code_hash", "link_hash"]


@admin.register(Note)
class NoteAdmin(ReadOnlyAdmin):
    list_display = [
        "created",
        "tenant",
        "ticket_id",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status", "tenant"]
    list_select_related = ["tenant"]
    search_fields = ["tenant__name", "=ticket_id"]
    actions = ["retry_now"]

    @admin.action(description="Retry now", permissions=["view"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        for note in queryset.filter(status=Note.Status.PENDING):
            Note.objects.filter(pk=note.pk).update(next_attempt_at=timezone.now())
            result = outbox.deliver(note.pk)
            level = messages.SUCCESS if result == "sent" else messages.WARNING
            self.message_user(
                request, f"Note {note.pk} (ticket {note.ticket_id}): {result}.", level
            )
