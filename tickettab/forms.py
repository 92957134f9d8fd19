"""The tab app's forms: the tab's inputs, and the admins' settings and report filters.

Everything the tab receives is untrusted (the ticket id even comes from Halo's URL),
so each view reads its input through one of these forms: ids are ASCII digits of
bounded length, text holds no NUL or control characters, and every refusal is a
sentence the technician can act on.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from mspprocess.filters import DateRangeFilterForm
from mspprocess.parsing import (
    CONTROL_CHARACTERS,
    AsciiIntegerField,
    parse_id,
    reject_control_characters,
)
from tickettab.models import Verification, VerificationSettings
from tickettab.reverse_check import CHANNELS
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


class PushForm(TabForm):
    ticket_id = TicketIdField()


class WordForm(TabForm):
    """The reverse check: send the technician's word by SMS or email."""

    ticket_id = TicketIdField()
    channel = forms.ChoiceField(
        choices=[(c, c) for c in CHANNELS],
        error_messages={
            "required": "Choose how to send your word: SMS or email.",
            "invalid_choice": "Choose how to send your word: SMS or email.",
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


# -- the workspace pages: verification settings and the report -----------------


def _range_messages(what: str, low: int, high: int, unit: str = "") -> dict[str, str]:
    # Django's default ("Ensure this value is greater than or equal to 2.") does not
    # say which setting or what the allowed range is.
    text = f"Choose {what} between {low} and {high}{unit}."
    return {"min_value": text, "max_value": text, "required": text, "invalid": text}


class VerificationSettingsForm(forms.ModelForm):
    class Meta:
        model = VerificationSettings
        fields = [
            "sms_enabled",
            "email_enabled",
            "link_enabled",
            "code_lifetime_minutes",
            "shield_window_minutes",
            "note_outcome",
            "override_min_reason",
            "contact_hourly_cap",
            "tenant_hourly_cap",
            "country",
        ]
        help_texts = {
            "note_outcome": "The action outcome Halo shows for the private notes we add to "
            "tickets, e.g. “MSP Process”. Up to 50 characters.",
            "override_min_reason": "When a technician verifies a caller another way (a call "
            "back, in person), they must say how in at least this many characters: 1 to 500.",
            "contact_hourly_cap": "Protects your contacts from a flood of codes: 1 to 50.",
            "tenant_hourly_cap": "A ceiling on all codes and links sent for your workspace, "
            "which limits the cost of misuse: 1 to 10000.",
        }
        # Numbers in ASCII digits only: Django's IntegerField reads "2୩" as 23.
        field_classes = {
            name: AsciiIntegerField
            for name in (
                "code_lifetime_minutes",
                "shield_window_minutes",
                "override_min_reason",
                "contact_hourly_cap",
                "tenant_hourly_cap",
            )
        }
        error_messages = {
            "code_lifetime_minutes": _range_messages("a code lifetime", 2, 30, " minutes"),
            "shield_window_minutes": _range_messages("a shield time", 5, 1440, " minutes"),
            "override_min_reason": _range_messages("a minimum reason length", 1, 500),
            "contact_hourly_cap": _range_messages("a number of sends per contact", 1, 50),
            "tenant_hourly_cap": _range_messages("a number of sends for the workspace", 1, 10000),
            "note_outcome": {
                "required": "Enter the outcome Halo should show for our notes.",
                "max_length": "Keep the outcome to 50 characters or fewer.",
            },
            "country": {
                "required": "Choose the country your contacts' numbers are usually from.",
                "invalid_choice": "Choose a country from the list.",
            },
        }

    def clean_note_outcome(self) -> str:
        value = self.cleaned_data["note_outcome"].strip()
        if not value:
            raise forms.ValidationError("Enter the outcome Halo should show for our notes.")
        reject_control_characters(value)  # it goes into every note we add to Halo
        return value


class CountryForm(VerificationSettingsForm):
    """The set-up page asks only the country: the rest of the settings have
    defaults that suit most MSPs, and the phone numbers of contacts do not."""

    class Meta(VerificationSettingsForm.Meta):
        fields = ["country"]


MAX_TICKET_TYPES = 500  # far more than any Halo has (Django takes 1000 fields per POST)


class TicketTypeIdsField(forms.Field):
    """Ticket type ids ticked on the set-up page: the ids come from Halo, so they
    are checked as numbers here and against Halo's list by the installer."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        if len(values) > MAX_TICKET_TYPES:
            raise forms.ValidationError("That is more ticket types than Halo could have.")
        ids = []
        for raw in values:
            text = str(raw).strip()
            # ASCII digits only, of a length an int32 id has: "٣" or 10**50 is not one.
            if not (text.isascii() and text.isdigit() and 0 < len(text) <= 10):
                raise forms.ValidationError("Pick ticket types from the list.")
            number = int(text)
            if not 0 < number < 2**31:
                raise forms.ValidationError("Pick ticket types from the list.")
            ids.append(number)
        return list(dict.fromkeys(ids))

    def validate(self, value: list[int]) -> None:
        if not value:
            raise forms.ValidationError(
                "Pick at least one ticket type: the tab shows on tickets of the types you pick."
            )


class InstallForm(forms.Form):
    ticket_types = TicketTypeIdsField()


class ReportFilterForm(DateRangeFilterForm):
    """Filters of the verification report; every field is optional."""

    technician = forms.ChoiceField(label="Technician", required=False)
    outcome = forms.ChoiceField(
        label="Outcome",
        required=False,
        choices=[("", "Any outcome"), *Verification.Status.choices],
    )
    contact = forms.CharField(
        label="Contact",
        required=False,
        max_length=200,
        help_text="Part of the name, or the Halo user id.",
    )

    def __init__(self, *args: Any, technicians: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["technician"].choices = [("", "Any technician")] + [
            (name, name) for name in technicians
        ]

    def filter(self, qs: QuerySet[Verification]) -> QuerySet[Verification]:
        qs = super().filter(qs)
        data = self.cleaned_data
        if technician := data.get("technician"):
            qs = qs.filter(agent_name=technician)
        if outcome := data.get("outcome"):
            qs = qs.filter(status=outcome)
        if contact := data.get("contact", "").strip():
            match = Q(contact_name__icontains=contact)
            # Halo ids are whole numbers; a long run of digits is part of a name at most.
            if contact.isascii() and contact.isdigit() and len(contact) <= 9:
                match |= Q(halo_user_id=int(contact))
            qs = qs.filter(match)
        return qs
