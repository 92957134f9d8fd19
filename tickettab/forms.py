"""The tab's inputs, parsed before anything else sees them.

Everything the tab receives is untrusted (the ticket id even comes from Halo's URL),
so each view reads its input through one of these forms: ids are ASCII digits of
bounded length, text holds no NUL or control characters, and every refusal is a
sentence the technician can act on.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from mspprocess.parsing import CONTROL_CHARACTERS, parse_id, reject_control_characters
from tickettab.verification import SEND_METHODS

NO_TICKET = "This tab was opened without a valid ticket number."
LITERAL_TICKET = (
    "Halo did not put the ticket number into the tab's URL. In Halo, check that the "
    "custom tab's URL is the one from our integration page (with ticket_id=$FAULTID)."
)


class IdField(forms.CharField):
    """A positive id: ASCII digits, at most 10 of them."""

    def __init__(self, *, message: str, **kwargs: Any) -> None:
        self.message = message
        super().__init__(max_length=None, strip=True, **kwargs)
        self.error_messages["required"] = message
        self.error_messages["null_characters_not_allowed"] = message

    def to_python(self, value: Any) -> int | None:
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        number = parse_id(text)
        if number is None:
            raise ValidationError(self.message, code="invalid")
        return number


class TicketIdField(IdField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(message=NO_TICKET, **kwargs)

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str) and value.strip().startswith("$"):
            raise ValidationError(LITERAL_TICKET, code="literal")
        return super().to_python(value)


class TabForm(forms.Form):
    def problem(self) -> str:
        """The first refusal, as one sentence (the tab shows one at a time)."""
        for errors in self.errors.values():
            return str(errors[0])
        return ""


class TicketForm(TabForm):
    ticket_id = TicketIdField()
    fresh = forms.BooleanField(required=False)


class SendForm(TabForm):
    ticket_id = TicketIdField()
    method = forms.ChoiceField(
        choices=[(m, m) for m in SEND_METHODS],
        error_messages={
            "required": "Choose how to send the code.",
            "invalid_choice": "Choose how to send the code.",
        },
    )


class VerifyForm(TabForm):
    verification_id = IdField(message="This verification no longer exists. Start a new one.")
    # Callers read codes as "123 456"; verification.check_code says what a code is.
    code = forms.CharField(
        max_length=40,
        required=False,
        strip=True,
        error_messages={
            "max_length": "Type the 6 digits the caller reads to you.",
            "null_characters_not_allowed": "Type the 6 digits the caller reads to you.",
        },
    )


class OverrideForm(TabForm):
    ticket_id = TicketIdField()
    reason = forms.CharField(
        max_length=2000,
        required=False,
        validators=[reject_control_characters],
        error_messages={
            "max_length": "Keep the reason under 2,000 characters.",
            "null_characters_not_allowed": CONTROL_CHARACTERS,
        },
    )


class SigninForm(TabForm):
    """A technician's sign-in inside the tab (tenants without a tab secret)."""

    username = forms.CharField(max_length=150)
    password = forms.CharField(max_length=4096, strip=False)
