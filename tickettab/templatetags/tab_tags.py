"""The workspace's tab for pages of other apps (the integration page), which show
its URL and secret without importing this app."""

from __future__ import annotations

from django import template

from mspprocess.core.models import Tenant
from tickettab import services
from tickettab.models import Tab

register = template.Library()


@register.simple_tag
def tab_of(tenant: Tenant) -> Tab:
    return services.tab_for(tenant)
