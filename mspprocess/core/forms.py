"""Forms of the tenant core's pages: the Team page (inviting someone, changing a
member's role) and the audit trail's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.db.models import QuerySet

from mspprocess.core.audit import AuditEvent
from mspprocess.core.models import Membership
from mspprocess.core.services import normalize_email
from mspprocess.filters import DateRangeFilterForm
from mspprocess.parsing import reject_control_characters


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter the email address of the person to invite.",
            "invalid": "Enter a valid email address, like jane@example.com.",
        },
        help_text="We email them a link to choose their password. The link expires in 3 days.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label="Role",
        choices=Membership.Role.choices,
        initial=Membership.Role.TECHNICIAN,
        help_text="Technicians verify callers in Halo. Admins also manage Halo, the team, "
        "the settings and the report.",
        error_messages={"invalid_choice": "Choose Admin or Technician."},
    )

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=Membership.Role.choices,
        error_messages={
            "required": "Choose Admin or Technician.",
            "invalid_choice": "Choose Admin or Technician.",
        },
    )


# A workspace's own trail never holds its deletion.
ACTION_CHOICES = [
    (value, label)
    for value, label in AuditEvent.Action.choices
    if value != AuditEvent.Action.TENANT_DELETED
]


class AuditFilterForm(DateRangeFilterForm):
    """Every field is optional; one that does not validate is ignored, not the others."""

    action = forms.ChoiceField(
        label="Event", required=False, choices=[("", "Any event"), *ACTION_CHOICES]
    )
    field_order = ["action", "date_from", "date_to"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].error_messages["invalid_choice"] = "Choose an event from the list."

    def filter(self, qs: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        qs = super().filter(qs)
        if action := self.cleaned_data.get("action"):
            qs = qs.filter(action=action)
        return qs


class SignupForm(forms.Form):
    name = forms.CharField(
        label="Your name",
        max_length=150,
        validators=[reject_control_characters],
        error_messages={"required": "Enter your name, as your colleagues know it."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Work email",
        max_length=254,
        help_text="We send a link to this address to confirm it. It becomes your username.",
        error_messages={
            "required": "Enter your work email address.",
            "invalid": "Enter a valid email address, like jane@yourmsp.com.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    msp_name = forms.CharField(
        label="Your MSP's name",
        max_length=100,
        validators=[reject_control_characters],
        help_text="As your clients know it.",
        error_messages={"required": "Enter your MSP's name."},
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    # A honeypot: people never see it (hidden by the stylesheet and from screen
    # readers); form-filling robots fill it, and their sign-up goes nowhere.
    website = forms.CharField(required=False, max_length=200)

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])

    def _words(self, name: str, what: str) -> str:
        value = " ".join(self.cleaned_data[name].split())
        if not value:
            raise forms.ValidationError(f"Enter {what}.")
        return value

    def clean_name(self) -> str:
        return self._words("name", "your name")

    def clean_msp_name(self) -> str:
        return self._words("msp_name", "your MSP's name")

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get("website"))


class SignupPasswordForm(forms.Form):
    """The password the new admin chooses on the confirmation page, so that the
    workspace opens at once instead of after another emailed link and a sign-in.

    One field with a show button, not two: a typo is seen rather than guessed, and
    "Forgotten your password?" is there for the rest (NIST SP 800-63B asks for no
    confirmation field).
    """

    password = forms.CharField(
        label="Choose a password",
        strip=False,
        max_length=128,
        help_text=password_validation.password_validators_help_text_html(),
        error_messages={"required": "Choose a password for your account."},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, name: str, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Not saved: what the validators compare the password with (name, email).
        first, _, last = name.partition(" ")
        self.user = get_user_model()(username=email, email=email, first_name=first, last_name=last)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        reject_control_characters(password)
        password_validation.validate_password(password, self.user)
        return password
