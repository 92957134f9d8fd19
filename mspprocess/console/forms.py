"""The onboarding console's forms. The Halo connection: the secret is write-only,
the values are checked as on the integration page and saved by the same service."""

from __future__ import annotations

from typing import Any

from django import forms

from integrations import addresses, services
from integrations.forms import checked_client_id, normalized_auth_server, normalized_resource_server
from integrations.models import HaloConnection


class WriteOnlySecretInput(forms.PasswordInput):
    """Never renders a value: what is stored stays stored, unseen."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"autocomplete": "off", **(attrs or {})}, render_value=False)


CREDENTIAL_FIELDS = ("base_url", "client_id", "auth_server", "halo_tenant")


class ConnectionAdminForm(forms.ModelForm):
    # Set by the admin before saving: who changes the credentials, for the audit trail.
    changed_by: Any = None
    request: Any = None
    changed_credentials: list[str] = []

    client_secret = forms.CharField(
        label="Client Secret",
        required=False,
        strip=True,
        widget=WriteOnlySecretInput(),
    )

    class Meta:
        model = HaloConnection
        fields = ["base_url", "auth_server", "halo_tenant", "client_id", "client_secret"]
        labels = {"base_url": "Resource Server"}
        help_texts = {
            "base_url": "As Halo shows it under Configuration > Integrations > Halo API, "
            "e.g. https://yourcompany.halopsa.com/api (normalized on save).",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The form must never carry the stored secret, not even as an initial value.
        self.initial.pop("client_secret", None)
        conn = self.instance
        if conn.base_url:
            # With /api, as Halo shows it: saving again keeps a path before it.
            self.initial["base_url"] = addresses.api_base(conn.base_url)
        if conn.pk and conn.client_secret:
            when = f"{conn.secret_changed_at:%Y-%m-%d %H:%M} UTC" if conn.secret_changed_at else ""
            who = conn.secret_changed_by.get_username() if conn.secret_changed_by else "setup"
            self.fields[
                "client_secret"
            ].help_text = f"Stored, last changed {when} by {who}. Leave blank to keep it."
        else:
            self.fields["client_secret"].help_text = "Paste the API application's secret."

    def clean_base_url(self) -> str:
        value = self.cleaned_data.get("base_url", "")
        return normalized_resource_server(value) if value else ""

    def clean_auth_server(self) -> str:
        return normalized_auth_server(self.cleaned_data.get("auth_server", ""))

    def clean_client_id(self) -> str:
        return checked_client_id(self.cleaned_data.get("client_id", ""))

    def save(self, commit: bool = True) -> HaloConnection:
        """Through integrations.services.save_credentials, as the integration page
        saves them: the version bumps (cached tokens die), the change is signed and
        audited there. It writes, so this form always commits."""
        conn: HaloConnection = super().save(commit=False)
        stored = HaloConnection.objects.filter(pk=conn.pk).first() if conn.pk else None
        entered = {name: getattr(conn, name) for name in CREDENTIAL_FIELDS}
        for name in (*CREDENTIAL_FIELDS, "client_secret"):
            setattr(conn, name, getattr(stored, name) if stored else "")
        conn.save()
        self.changed_credentials = services.save_credentials(
            conn,
            {
                "resource_server": entered["base_url"],
                "client_id": entered["client_id"],
                "client_secret": self.cleaned_data.get("client_secret") or None,
                "auth_server": entered["auth_server"],
                "halo_tenant": entered["halo_tenant"],
            },
            by=self.changed_by,
            request=self.request,
        )
        return conn
