"""The alert pages' forms: the alert settings and an acknowledgement. Every value is
parsed here; the webhook URL is write-only (never rendered back, blank keeps it)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from alerts import webhooks
from alerts.models import MAX_SECURITY_CONTACTS, NOTE_MAX_LENGTH, AlertSettings
from mspprocess.parsing import reject_control_characters

Kind = AlertSettings.WebhookKind
STORED_HELP = (
    "Stored — leave empty to keep it, or paste a new one to replace it. It is never "
    "shown again: whoever has it can post to your channel."
)
NEW_HELP = (
    "Whoever has this URL can post to your channel: it is kept encrypted and never shown again."
)
_SEPARATORS = re.compile(r"[\s,;]+")
CONTACTS_TEXT_MAX = 3000


class AlertSettingsForm(forms.Form):
    security_contacts = forms.CharField(
        label="Email addresses",
        required=False,
        max_length=CONTACTS_TEXT_MAX,
        validators=[reject_control_characters],
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
        help_text=f"One address a line, up to {MAX_SECURITY_CONTACTS}: the people "
        "who act on an impersonation attempt. Each alert is emailed to all of them at once.",
    )
    webhook_kind = forms.ChoiceField(
        label="Chat service",
        choices=[(Kind.SLACK, "Slack"), (Kind.TEAMS, "Microsoft Teams")],
        initial=Kind.SLACK,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose Slack or Microsoft Teams."},
    )
    webhook_url = forms.CharField(
        label="Incoming webhook URL",
        required=False,
        max_length=webhooks.MAX_URL_LENGTH,
        strip=True,
        validators=[reject_control_characters],
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    remove_webhook = forms.BooleanField(
        label="Remove the webhook: stop posting alerts to the chat channel", required=False
    )

    def __init__(self, *args: Any, prefs: AlertSettings, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "security_contacts": "\n".join(prefs.security_contacts),
                "webhook_kind": prefs.webhook_kind if prefs.has_webhook else Kind.SLACK,
            },
        )
        super().__init__(*args, **kwargs)
        self.prefs = prefs
        self.webhook_stored = prefs.has_webhook
        self.fields["webhook_url"].help_text = STORED_HELP if self.webhook_stored else NEW_HELP
        # The kind is only needed with a webhook; clean() says so when it is missing.
        self.fields["webhook_kind"].required = False

    def clean_security_contacts(self) -> list[str]:
        text = self.cleaned_data["security_contacts"]
        found: dict[str, str] = {}
        wrong = []
        for item in _SEPARATORS.split(text):
            if not item:
                continue
            try:
                validate_email(item)
            except ValidationError:
                wrong.append(item)
                continue
            found.setdefault(item.lower(), item)  # once each, whatever its case
        if wrong:
            shown = ", ".join(f"“{w[:60]}”" for w in wrong[:3])
            more = f" and {len(wrong) - 3} more" if len(wrong) > 3 else ""
            verb = "is not an email address" if len(wrong) == 1 else "are not email addresses"
            raise ValidationError(
                f"{shown}{more} {verb}. Type one address a line, like security@yourmsp.com."
            )
        if len(found) > MAX_SECURITY_CONTACTS:
            raise ValidationError(
                f"At most {MAX_SECURITY_CONTACTS} security contacts. For more people, use a "
                "shared mailbox or a distribution list."
            )
        return list(found.values())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "webhook_url" not in cleaned:
            return cleaned  # its own error says why
        if cleaned.get("remove_webhook"):
            cleaned["webhook_kind"], cleaned["webhook_url"] = Kind.NONE, ""
            return cleaned
        url = cleaned["webhook_url"]
        kind = cleaned.get("webhook_kind") or ""
        if not url and not self.webhook_stored:
            cleaned["webhook_kind"] = Kind.NONE  # no webhook, none asked for
            return cleaned
        if kind not in (Kind.SLACK, Kind.TEAMS):
            self.add_error("webhook_kind", "Choose Slack or Microsoft Teams.")
            return cleaned
        try:
            # A new URL is checked; so is the stored one when only the service changed.
            checked = webhooks.check_url(kind, url or self.prefs.webhook_url)
        except webhooks.WebhookAddressError as e:
            self.add_error("webhook_url", e.message)
            return cleaned
        cleaned["webhook_url"] = checked if url else ""  # "" keeps the stored one
        return cleaned


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        validators=[reject_control_characters],
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: for example “Called the contact back on the number in our "
        "records: it was not them. Password reset refused.”",
        error_messages={
            "max_length": f"Keep it under {NOTE_MAX_LENGTH} characters.",
            "null_characters_not_allowed": "This text contains invisible control characters. "
            "Type it again without pasting from another program.",
        },
    )

    def clean_note(self) -> str:
        return self.cleaned_data["note"].strip()
