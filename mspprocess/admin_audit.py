"""The audit trail in the admin: read-only for everyone, superusers included.

A trail that can be edited proves nothing, so nobody adds, changes or deletes
events here; staff with the view permission (account managers) can read them.
"""

from __future__ import annotations

from django.contrib import admin

from mspprocess.audit import AuditEvent, join_words
from mspprocess.readonly_admin import ReadOnlyAdmin


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
