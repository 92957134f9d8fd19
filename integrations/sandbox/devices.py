"""Delivery backends that "deliver" to the sandbox's fictional people.

Each message is recorded as a `SandboxMessage` (shown on /sandbox/halo/devices/,
where a demo user reads the one-time code) and written to stdout as the console
backends do, so `make run` shows it in the terminal too.

    SMS_BACKEND = "integrations.sandbox.devices.SandboxSmsBackend"
    EMAIL_BACKEND = "integrations.sandbox.devices.SandboxEmailBackend"

`services.set_sms_failure(True)` makes the SMS backend refuse every message, so
tests can prove a failed send is shown to the technician.
"""

from __future__ import annotations

import sys
from email.utils import parseaddr

from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend
from django.utils.html import strip_tags

from integrations.sandbox.inbox import destination_key
from integrations.sandbox.models import SandboxMessage, SandboxSwitch
from mspprocess.errors import ReadableError

SMS_FAILURE_MESSAGE = "The SMS provider refused the message (sandbox failure switch)."


class SandboxSmsBackend:
    """An SMS backend (tickettab/sms.py): `send(to, body)` returns a message id and
    refuses with a ReadableError, as a provider would."""

    def send(self, to: str, body: str) -> str:
        if SandboxSwitch.is_on(SandboxSwitch.SMS_FAILURE):
            raise ReadableError(SMS_FAILURE_MESSAGE)
        if not destination_key(to):
            # What a real provider answers for a number without digits.
            raise ReadableError("The mobile number in Halo is not a valid mobile number.")
        message = SandboxMessage.objects.create(
            kind=SandboxMessage.Kind.SMS, to=to, to_key=destination_key(to), body=body
        )
        sys.stdout.write(f"--- SMS to {to} (sandbox) ---\n{body}\n---\n")
        sys.stdout.flush()
        return f"sandbox-sms-{message.pk}"


def _bodies(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies of an email ("" when it has none)."""
    html = ""
    if message.content_subtype == "html":
        html = str(message.body)
        return strip_tags(html), html
    for alternative in getattr(message, "alternatives", []):
        content, mimetype = alternative[0], alternative[1]
        if mimetype == "text/html":
            html = str(content)
            break
    return str(message.body), html


class SandboxEmailBackend(ConsoleEmailBackend):
    """Django's console backend (a BaseEmailBackend) that also records each message.

    A message to several recipients is recorded once per recipient, so that every
    person's inbox shows it.
    """

    def write_message(self, message: EmailMessage) -> None:
        super().write_message(message)  # first: it refuses what SMTP would refuse
        record(message)


def record(message: EmailMessage) -> list[SandboxMessage]:
    body, html = _bodies(message)
    recorded = []
    for recipient in message.recipients():
        address = parseaddr(recipient)[1] or recipient
        recorded.append(
            SandboxMessage.objects.create(
                kind=SandboxMessage.Kind.EMAIL,
                to=address,
                to_key=destination_key(address),
                sender=str(message.from_email or ""),
                subject=str(message.subject or ""),
                body=body,
                html_body=html,
            )
        )
    return recorded
