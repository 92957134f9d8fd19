from __future__ import annotations

from django.contrib import admin

from mspprocess.models import Membership, Tenant


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "status", "account_manager", "created"]
    list_filter = ["status"]
    list_select_related = ["account_manager"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "tenant", "role", "created"]
    list_filter = ["role"]
    list_select_related = ["user", "tenant"]
    search_fields = ["user__username", "user__email", "tenant__name", "tenant__slug"]
    # Account managers may not browse staff accounts, so no user autocomplete here.
    autocomplete_fields = ["tenant"]
