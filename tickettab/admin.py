"""Verifications and the notes outbox in the onboarding console: read-only records."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from mspprocess.readonly_admin import ReadOnlyAdmin
from tickettab import outbox
from tickettab.models import Note, Verification


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
