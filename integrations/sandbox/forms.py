"""The sandbox's configuration forms: Custom Tabs, and the Halo API applications.

Every input of the sandbox's pages goes through these, so that nothing a person (or
a fuzzer) types can reach the database unchecked: numbers are ASCII and bounded
(mspprocess.parsing), text is bounded and free of NUL characters (Django's CharField
refuses those already).
"""

from __future__ import annotations

from typing import Any

from django import forms

from integrations.sandbox import customtab
from integrations.sandbox.models import ALL, PERMISSIONS, SandboxAgent
from mspprocess.parsing import AsciiIntegerField


class CustomTabForm(forms.Form):
    """Name, URL, sequence and secret, as Halo asks for them. The secret is write-only:
    never rendered back, and left blank to keep the stored one."""

    name = forms.CharField(label="Name", max_length=100)
    url = forms.CharField(
        label="URL",
        max_length=2000,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    sequence = AsciiIntegerField(
        label="Sequence",
        min_value=0,
        max_value=9999,
        initial=0,
        help_text="Tabs show in this order after Details and Actions.",
    )
    secret = forms.CharField(
        label="Secret",
        max_length=500,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    remove_secret = forms.BooleanField(label="Remove the stored secret", required=False)
    enabled = forms.BooleanField(label="Enabled", required=False, initial=True)

    def __init__(self, *args: Any, secret_stored: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.secret_stored = secret_stored
        self.fields["url"].help_text = (
            "Paste the tab URL from MSP Process's integration page. Halo replaces "
            f"{customtab.variable('HALO_TAB_TICKET_VARIABLE')} (the ticket's id), "
            f"{customtab.variable('HALO_TAB_AGENT_VARIABLE')} (the viewing agent's id) and "
            f"{customtab.variable('HALO_TAB_HMAC_VARIABLE')} (that id signed with the "
            "secret) wherever they appear, without encoding them."
        )
        self.fields["secret"].help_text = (
            "Stored. Leave blank to keep it, or paste a new one to replace it."
            if secret_stored
            else "Optional. Halo signs the agent's id with it for "
            f"{customtab.variable('HALO_TAB_HMAC_VARIABLE')}."
        )
        if not secret_stored:
            del self.fields["remove_secret"]

    def clean_url(self) -> str:
        try:
            return customtab.check_url(self.cleaned_data["url"])
        except ValueError as e:
            raise forms.ValidationError(str(e)) from None


PERMISSION_CHOICES = [(ALL, "all (every permission)")] + [(p, p) for p in PERMISSIONS]


def _agent_choices() -> list[tuple[str, str]]:
    # Plain string choices rather than a ModelChoiceField: a posted value must equal
    # one of these exactly, so odd digits or huge numbers never reach a query.
    return [
        (str(a.id), f"{a.name}{' (administrator)' if a.is_admin else ''}")
        for a in SandboxAgent.objects.order_by("id")
    ]


class CustomTabLoadingForm(forms.Form):
    """How the ticket page loads custom tabs: the "preload_custom_tabs" switch."""

    preload = forms.BooleanField(
        label="Load every custom tab when a ticket opens, hidden until its tab is clicked",
        required=False,
        help_text=(
            "As a single-page Halo may. Whether Halo loads a tab before the agent opens "
            "it is unconfirmed: off, each tab loads when it is opened."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ApplicationForm(forms.Form):
    """Configuration > Integrations > Halo API > New application, cut down."""

    name = forms.CharField(label="Application name", max_length=100)
    agent = forms.ChoiceField(
        label="Agent to log in as",
        help_text="What a token may do is what both the application and this agent may do.",
    )
    permissions = forms.MultipleChoiceField(
        label="Permissions",
        choices=PERMISSION_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tenant = forms.RegexField(
        label="Tenant (hosted Halo only)",
        regex=r"\A[A-Za-z0-9._-]*\Z",
        max_length=100,
        required=False,
        error_messages={"invalid": "Letters, digits, dots, dashes and underscores only."},
        help_text="Leave blank for a self-hosted instance. When set, the token "
        "endpoint wants ?tenant=<this name>.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = _agent_choices()

    def clean_agent(self) -> SandboxAgent:
        return SandboxAgent.objects.get(pk=int(self.cleaned_data["agent"]))

    def clean_permissions(self) -> list[str]:
        # Stored expanded, as services.create_application does: "all" is every one.
        chosen = self.cleaned_data["permissions"]
        return list(PERMISSIONS) if ALL in chosen else [p for p in PERMISSIONS if p in chosen]
