"""Posting an alert to a Slack or Microsoft Teams channel through an incoming webhook.

Addresses (checked when the form is saved and again before every post, since what
is allowed depends on the settings of the moment):

- Slack: `https://hooks.slack.com/services/…`, the URL Slack's "Incoming Webhooks"
  gives (docs.slack.dev, "Sending messages using incoming webhooks").
- Teams: the Workflows app's "Post to a channel when a webhook request is received"
  (Microsoft's replacement for the retired Office 365 connectors) gives
  `https://….logic.azure.com:443/workflows/…` and, since late 2025,
  `https://….environment.api.powerplatform.com/powerautomate/…`; a legacy connector's
  Incoming Webhook was `https://<tenant>.webhook.office.com/webhookb2/…`.
- Where private addresses are allowed (netsafe.allow_private(): the demo, the tests),
  also http and a loopback or private IP address or localhost, for a local receiver.

Every post goes through the outbound guard (`integrations.netsafe`): resolved once,
refused unless public, no redirects, capped replies, short timeouts.

Bodies: Slack takes `{"text": …}` (its mrkdwn; `&`, `<` and `>` escaped as Slack asks,
so a name from Halo cannot ping the channel or forge a link). Teams takes a message
with one Adaptive Card attachment, the one format both Workflows and the legacy
connectors accept; Workflows does not take the older MessageCard. Unconfirmed: the
highest card version every Teams client renders (we send 1.4), and whether Teams
honours backslash escapes in card text (we escape the few characters that make
links and emphasis anyway).

The URL is a secret: it is never logged, and no message here contains its path.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from alerts import wording
from alerts.models import Alert, AlertSettings
from integrations import netsafe
from mspprocess.errors import ReadableError
from mspprocess.parsing import has_control_characters

logger = logging.getLogger(__name__)

Kind = AlertSettings.WebhookKind
# A chat post is not worth a long wait: the retry is the worker's back-off.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
MAX_URL_LENGTH = 2000
USER_AGENT = "MSP Process alerts"
_SLACK_HOST = "hooks.slack.com"
_TEAMS_SUFFIXES = (".webhook.office.com", ".logic.azure.com", ".environment.api.powerplatform.com")
_SLACK_WHERE = (
    "In Slack, create an incoming webhook for the channel (your Slack app → Incoming "
    "Webhooks → Add New Webhook) and paste its URL, which starts with "
    "https://hooks.slack.com/services/."
)
_TEAMS_WHERE = (
    "In Teams, add the workflow “Post to a channel when a webhook request is received” "
    "to the channel and paste the URL it gives you."
)
WHERE = {Kind.SLACK: _SLACK_WHERE, Kind.TEAMS: _TEAMS_WHERE}
LABEL = {Kind.SLACK: "Slack", Kind.TEAMS: "Microsoft Teams"}


class WebhookAddressError(ReadableError, ValueError):
    """The pasted URL cannot be used; the message says what to paste instead."""


@dataclass(frozen=True)
class PostResult:
    ok: bool
    message: str  # for the page and last_error: never the URL
    retry_after: float | None = None  # seconds, when the channel asked us to wait


def kind_of(url: str) -> str | None:
    """Slack or Teams, by the URL's host; None for anything else."""
    host = (urlsplit(url).hostname or "").lower()
    if host == _SLACK_HOST:
        return Kind.SLACK
    if host.endswith(_TEAMS_SUFFIXES):
        return Kind.TEAMS
    return None


def _local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not netsafe.is_public(ip)


def check_url(kind: str, text: str, *, allow_private: bool | None = None) -> str:
    """The webhook URL to store for what was pasted, or WebhookAddressError."""
    private_ok = netsafe.allow_private() if allow_private is None else allow_private
    where = WHERE.get(kind, "")
    url = text.strip()
    if not url:
        raise WebhookAddressError(f"Paste the webhook's URL. {where}")
    if len(url) > MAX_URL_LENGTH or has_control_characters(url) or any(c.isspace() for c in url):
        raise WebhookAddressError(f"That is not a webhook URL. {where}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookAddressError(f"That is not a webhook URL. {where}") from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise WebhookAddressError(f"That is not a webhook URL. {where}")
    if parts.username is not None or parts.password is not None:
        raise WebhookAddressError(f"A webhook URL has no user name or password in it. {where}")
    if private_ok and _local(host):
        return url  # a local receiver: the demo's, the tests'
    if parts.scheme != "https":
        raise WebhookAddressError(f"Webhooks are reached over https only. {where}")
    if port not in (None, 443):
        raise WebhookAddressError(f"This webhook URL names an unusual port. {where}")
    found = kind_of(url)
    if found is None:
        raise WebhookAddressError(f"“{host}” is not a Slack or Microsoft Teams address. {where}")
    if found != kind:
        raise WebhookAddressError(
            f"This is a {LABEL[Kind(found)]} address: choose {LABEL[Kind(found)]} above, or "
            f"paste the {LABEL.get(kind, 'other')} URL. {where}"
        )
    if kind == Kind.SLACK and not parts.path.startswith("/services/"):
        raise WebhookAddressError(f"This Slack address is not an incoming webhook. {where}")
    return url


# -- the bodies -------------------------------------------------------------------------


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Enough to stop a name from Halo turning into a link or bold text; not "-" or "#",
# which names have and which would show their backslash if Teams ignored it.
_MARKDOWN = re.compile(r"([\\`*_\[\]])")


def _teams_escape(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", text)


def slack_body(heading: str, lines: list[str], facts: list[tuple[str, str]], link: str) -> dict:
    parts = [f":rotating_light: *{_slack_escape(heading)}*"]
    parts += [_slack_escape(line) for line in lines]
    parts += [f"• {label}: {_slack_escape(value)}" for label, value in facts]
    if link:
        parts.append(f"<{link}|Open the alerts page>")
    return {"text": "\n".join(parts)}


def teams_body(heading: str, lines: list[str], facts: list[tuple[str, str]], link: str) -> dict:
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": _teams_escape(heading),
            "weight": "Bolder",
            "size": "Medium",
            "color": "Attention",
            "wrap": True,
        },
        *({"type": "TextBlock", "text": _teams_escape(line), "wrap": True} for line in lines),
    ]
    if facts:
        body.append(
            {
                "type": "FactSet",
                "facts": [{"title": label, "value": _teams_escape(v)} for label, v in facts],
            }
        )
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open the alerts page", "url": link}]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


BODIES = {Kind.SLACK: slack_body, Kind.TEAMS: teams_body}


def alert_body(kind: str, alert: Alert) -> dict:
    d = wording.describe(alert)
    heading = f"Possible impersonation at {alert.tenant.name}: {d.title}"
    return BODIES[Kind(kind)](heading, [d.meaning], d.facts, wording.alerts_url(alert))


def test_body(kind: str, tenant_name: str, link: str) -> dict:
    heading = f"Test alert from MSP Process for {tenant_name}"
    lines = [
        "This channel will be told at once when a contact denies a verification, a code is "
        "locked after wrong entries, or a contact fails verification 3 times within an hour."
    ]
    return BODIES[Kind(kind)](heading, lines, [], link)


# -- the post ---------------------------------------------------------------------------


def post(kind: str, url: str, body: dict) -> PostResult:
    """POST `body` to the webhook through the outbound guard; never raises for the
    channel's or the network's failures (the result says what happened)."""
    label = LABEL.get(kind, "The chat service")
    try:
        url = check_url(kind, url)
    except WebhookAddressError as e:
        return PostResult(False, e.message)
    session = netsafe.safe_session()
    try:
        response = netsafe.request(
            session,
            "POST",
            url,
            json=body,
            headers={"User-Agent": USER_AGENT},
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
        )
    except netsafe.OutboundError as e:
        _log(kind, type(e).__name__)
        return PostResult(False, _outbound_words(e, label))
    except requests.Timeout:
        _log(kind, "timeout")
        return PostResult(False, f"{label} did not answer within {READ_TIMEOUT:.0f} seconds.")
    except requests.RequestException as e:
        _log(kind, type(e).__name__)
        return PostResult(False, f"Could not connect to {label}.")
    finally:
        session.close()
    status = response.status_code
    if 200 <= status < 300:
        return PostResult(True, f"Posted to {label}.")
    _log(kind, status)
    return PostResult(False, _status_words(status, label), _retry_after(response))


def _status_words(status: int, label: str) -> str:
    if status in (401, 403, 404, 410):
        return (
            f"{label} refused the message (HTTP {status}): the webhook may have been removed "
            "or turned off. Paste a new webhook URL in the alert settings."
        )
    if status == 429:
        return f"{label} asked us to slow down (HTTP 429)."
    if status >= 500:
        return f"{label} had a problem (HTTP {status})."
    return f"{label} did not accept the message (HTTP {status})."


def _outbound_words(e: netsafe.OutboundError, label: str) -> str:
    if isinstance(e, netsafe.AddressRefused):
        if e.reason == "scheme":
            return "The webhook URL is not https, so MSP Process will not post to it."
        return (
            f"{e.host or 'The webhook'} is a private network address, so MSP Process will "
            "not post to it."
        )
    if isinstance(e, netsafe.NotInDns):
        return f"{e.host} is not in DNS."
    if isinstance(e, netsafe.Redirected):
        return f"{label} answered with a redirect instead of taking the message."
    if isinstance(e, netsafe.TooSlow):
        return f"{label}'s answer took too long to arrive."
    return f"{label}'s answer was not one MSP Process reads."


def _retry_after(response: requests.Response) -> float | None:
    raw = response.headers.get("Retry-After", "").strip()
    return float(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else None


def _log(kind: str, outcome: object) -> None:
    # The kind and the outcome only: the URL is the secret.
    logger.warning("alerts: %s webhook post failed: %s", kind, outcome)
