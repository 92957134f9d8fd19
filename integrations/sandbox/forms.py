"""The sandbox's Configuration > Custom Tabs form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from integrations.sandbox import customtab


class CustomTabForm(forms.Form):
    """Name, URL and secret, as Halo asks for them. The secret is write-only: never
    rendered back, and left blank to keep the stored one."""

    name = forms.CharField(label="Name", max_length=100)
    url = forms.CharField(
        label="URL",
        max_length=2000,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    secret = forms.CharField(
        label="Secret",
        max_length=500,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    remove_secret = forms.BooleanField(label="Remove the stored secret", required=False)
    enabled = forms.BooleanField(label="Enabled", required=False)

    def __init__(self, *args: Any, secret_stored: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.secret_stored = secret_stored
        self.fields["url"].help_text = (
            "Paste the tab URL from MSP Process's integration page. "
            f"{settings.HALO_TAB_TICKET_VARIABLE} is replaced by the ticket's id."
        )
        self.fields["secret"].help_text = (
            "Stored. Leave blank to keep it, or paste a new one to replace it."
            if secret_stored
            else "Optional. With a secret, Halo appends agent_id and a signature (hmac)."
        )
        if not secret_stored:
            del self.fields["remove_secret"]

    def clean_url(self) -> str:
        try:
            return customtab.check_url(self.cleaned_data["url"])
        except ValueError as e:
            raise forms.ValidationError(str(e)) from None

    def clean_secret(self) -> str:
        return self.cleaned_data["secret"].strip()
