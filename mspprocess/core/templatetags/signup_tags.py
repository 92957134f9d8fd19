from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def signup_enabled() -> bool:
    """Whether /signup/ is open (SIGNUP_ENABLED), read at each render."""
    return bool(settings.SIGNUP_ENABLED)
