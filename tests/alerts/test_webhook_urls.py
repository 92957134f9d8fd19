"""Which webhook URLs the alert settings take, in production and where private
addresses are allowed (the demo, the tests)."""

from __future__ import annotations

import pytest

from alerts.webhooks import WebhookAddressError, check_url

SLACK = "https://hooks.slack.com/services/T0123/B0456/abcdefXYZ"
TEAMS_WORKFLOW = (
    "https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b/triggers/manual/paths/"
    "invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=abc"
)
TEAMS_POWER_PLATFORM = (
    "https://default0a1b2c.3d.environment.api.powerplatform.com:443/powerautomate/automations/"
    "direct/workflows/0a1b/triggers/manual/paths/invoke?api-version=1&sig=abc"
)
TEAMS_CONNECTOR = "https://acme.webhook.office.com/webhookb2/0a1b@2c3d/IncomingWebhook/4e5f/6a7b"


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("slack", SLACK),
        ("teams", TEAMS_WORKFLOW),
        ("teams", TEAMS_POWER_PLATFORM),
        ("teams", TEAMS_CONNECTOR),
    ],
)
def test_it_takes_slack_and_teams_webhooks(kind: str, url: str) -> None:
    assert check_url(kind, f"  {url} ", allow_private=False) == url


@pytest.mark.parametrize(
    ("kind", "url", "words"),
    [
        ("slack", "http://hooks.slack.com/services/T0/B0/x", "https only"),
        ("slack", "https://hooks.slack.com.evil.example/services/x", "is not a Slack or"),
        ("slack", "https://evil.example/hooks.slack.com/services/x", "is not a Slack or"),
        ("slack", "https://hooks.slack.com/apps/A0", "not an incoming webhook"),
        ("slack", TEAMS_WORKFLOW, "This is a Microsoft Teams address"),
        ("teams", SLACK, "This is a Slack address: choose Slack above"),
        ("teams", "https://logic.azure.com.evil.example/workflows/x", "is not a Slack or"),
        ("slack", "https://user:pw@hooks.slack.com/services/T0/B0/x", "no user name"),
        ("slack", "https://hooks.slack.com:8443/services/T0/B0/x", "unusual port"),
        ("slack", "http://127.0.0.1:8080/services/x", "https only"),
        ("slack", "https://10.0.0.5/services/x", "is not a Slack or"),
        ("slack", "hooks.slack.com/services/T0/B0/x", "not a webhook URL"),
        ("slack", "javascript:alert(1)", "not a webhook URL"),
        ("slack", "https://hooks.slack.com/services/T0/B0/x\x00", "not a webhook URL"),
        ("slack", "https://hooks.slack.com/services/ T0", "not a webhook URL"),
        ("slack", "https://[::1/x", "not a webhook URL"),
        ("slack", "https://hooks.slack.com/" + "x" * 2000, "not a webhook URL"),
        ("slack", "", "Paste the webhook's URL"),
    ],
)
def test_it_refuses_what_is_not_a_chat_webhook(kind: str, url: str, words: str) -> None:
    with pytest.raises(WebhookAddressError) as e:
        check_url(kind, url, allow_private=False)
    assert words in e.value.message


def test_it_takes_a_local_receiver_only_where_private_addresses_are_allowed() -> None:
    local = "http://127.0.0.1:8013/services/T0/B0/x"
    assert check_url("slack", local, allow_private=True) == local
    assert check_url("teams", "http://localhost:9000/hook", allow_private=True)
    with pytest.raises(WebhookAddressError):
        check_url("slack", local, allow_private=False)
    # Still only Slack's or Microsoft's names among public hosts.
    with pytest.raises(WebhookAddressError):
        check_url("slack", "https://example.com/services/x", allow_private=True)
