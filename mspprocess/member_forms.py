"""Forms of the Team page: inviting someone and changing a member's role."""

from __future__ import annotations

from django import forms

from mspprocess.invitations import normalize_email
from mspprocess.models import Membership


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
