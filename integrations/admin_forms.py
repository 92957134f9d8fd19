"""The Halo connection as the onboarding console edits it: the secret is write-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from integrations import addresses
from integrations.models import HaloConnection


class WriteOnlySecretInput(forms.PasswordInput):
    """Never renders a value: what is stored stays stored, unseen."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"autocomplete": "off", **(attrs or {})}, render_value=False)


CREDENTIAL_FIELDS = ("base_url", "client_id", "auth_server", "halo_tenant")


class ConnectionAdminForm(forms.ModelForm):
    changed_by: Any = None  # set by the admin before saving
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
        if not value:
            return ""
        return addresses.normalize_resource_server(
            value, allow_private=settings.HALO_ALLOW_PRIVATE_ADDRESSES
        )

    def clean_auth_server(self) -> str:
        value = self.cleaned_data.get("auth_server", "")
        if not value:
            return ""
        return addresses.normalize_auth_server(
            value, allow_private=settings.HALO_ALLOW_PRIVATE_ADDRESSES
        )

    def save(self, commit: bool = True) -> HaloConnection:
        conn: HaloConnection = super().save(commit=False)
        # Apply the credentials through set_credentials, as the integration page
        # does, so the version bumps (cached tokens die) and the change is signed.
        stored = HaloConnection.objects.filter(pk=conn.pk).first() if conn.pk else None
        new = {name: getattr(conn, name) for name in CREDENTIAL_FIELDS}
        for name in CREDENTIAL_FIELDS:
            setattr(conn, name, getattr(stored, name) if stored else "")
        conn.client_secret = stored.client_secret if stored else ""
        self.changed_credentials = conn.set_credentials(
            **new, client_secret=self.cleaned_data.get("client_secret") or None, by=self.changed_by
        )
        conn.ensure_tab_keys()
        if commit:
            conn.save()
        return conn
