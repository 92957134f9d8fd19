"""Forms of the admins' verification pages: the settings and the report's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from mspprocess.filters import DateRangeFilterForm
from mspprocess.parsing import AsciiIntegerField, reject_control_characters
from tickettab.models import Verification, VerificationSettings


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
