"""What a page says about a form as a whole (the error banner)."""

from __future__ import annotations

from django import forms, template

register = template.Library()


@register.filter
def field_error_count(form: forms.BaseForm) -> int:
    """How many fields have an error (the form's own errors are not a field's)."""
    return sum(1 for name in form.errors if name != forms.forms.NON_FIELD_ERRORS)
