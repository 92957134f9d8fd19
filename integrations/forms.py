from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from integrations import addresses
from integrations.halo import budget
from integrations.models import CALL_SHARE_HELP, MIN_CALL_SHARE, HaloConnection
from mspprocess.parsing import AsciiIntegerField, reject_control_characters


def normalized_resource_server(value: str) -> str:
    return addresses.normalize_resource_server(
        value, allow_private=settings.HALO_ALLOW_PRIVATE_ADDRESSES
    )


def normalized_auth_server(value: str) -> str:
    """ "" (none: the Resource Server's own) stays ""."""
    if not value:
        return ""
    return addresses.normalize_auth_server(
        value, allow_private=settings.HALO_ALLOW_PRIVATE_ADDRESSES
    )


def checked_client_id(value: str) -> str:
    value = value.strip()
    if any(ch.isspace() for ch in value):
        raise forms.ValidationError(
            "A Client ID has no spaces. Copy it again from your API application in Halo."
        )
    return value


class ConnectionForm(forms.Form):
    """The three values from Halo (plus two optional ones for Halo-hosted instances).

    The secret is write-only: never rendered back, and left blank to keep the
    stored one.
    """

    resource_server = forms.CharField(
        label="Resource Server",
        max_length=300,
        help_text="In Halo: Configuration > Integrations > Halo API, e.g. "
        "<code>https://yourcompany.halopsa.com/api</code>. The address of any Halo page works too.",
    )
    client_id = forms.CharField(
        label="Client ID",
        max_length=200,
        validators=[reject_control_characters],
        help_text="From your API application in Halo (Configuration > Integrations > Halo API "
        "> View Applications).",
    )
    client_secret = forms.CharField(
        label="Client Secret",
        max_length=500,
        validators=[reject_control_characters],
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    auth_server = forms.CharField(
        label="Authorisation Server",
        max_length=300,
        required=False,
        help_text="Only if Halo shows one different from your Resource Server, "
        "e.g. <code>https://auth.haloservicedesk.com</code>.",
    )
    halo_tenant = forms.CharField(
        label="Tenant",
        max_length=100,
        validators=[reject_control_characters],
        required=False,
        help_text="Only if Halo shows a Tenant name beside the Authorisation Server.",
    )

    @classmethod
    def for_connection(cls, conn: HaloConnection, data: Any = None) -> ConnectionForm:
        """The form for `conn`: what is stored filled in (never the secret)."""
        initial = {
            # With /api, so that saving again keeps a path (self-hosted Halo, the sandbox).
            "resource_server": addresses.api_base(conn.base_url) if conn.base_url else "",
            "client_id": conn.client_id,
            "auth_server": conn.auth_server,
            "halo_tenant": conn.halo_tenant,
        }
        return cls(data, initial=initial, secret_stored=bool(conn.client_secret))

    def __init__(self, *args: Any, secret_stored: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.secret_stored = secret_stored
        self.fields["client_secret"].help_text = (
            "Stored. Leave blank to keep it, or paste a new one to replace it."
            if secret_stored
            else "Shown once in Halo when you create the application or generate a new secret."
        )

    def clean_resource_server(self) -> str:
        return normalized_resource_server(self.cleaned_data["resource_server"])

    def clean_auth_server(self) -> str:
        return normalized_auth_server(self.cleaned_data["auth_server"])

    def clean_client_id(self) -> str:
        return checked_client_id(self.cleaned_data["client_id"])

    def clean_client_secret(self) -> str:
        value = self.cleaned_data["client_secret"]
        if not value and not self.secret_stored:
            raise forms.ValidationError(
                "Paste the Client Secret of your API application. If you no longer have it, "
                "generate a new one in Halo."
            )
        return value


class CallShareForm(forms.Form):
    call_share = AsciiIntegerField(
        label="API calls per 5 minutes for MSP Process",
        min_value=MIN_CALL_SHARE,
        max_value=budget.HALO_LIMIT,
        help_text=CALL_SHARE_HELP,
        error_messages={
            "invalid": "Enter a whole number of calls, for example 100.",
            "min_value": f"Allow at least {MIN_CALL_SHARE} calls: fewer would keep most "
            "tab opens waiting.",
            "max_value": f"Halo allows about {budget.HALO_LIMIT} calls per 5 minutes for "
            "all your integrations together: enter at most that.",
        },
    )
