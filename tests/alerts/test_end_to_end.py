"""A denied push, end to end: the tab sends it through the Duo sandbox over HTTP, the
fictional caller denies it on their device, the tab's poll records the denial, and
the alert reaches the security contacts and a Slack webhook on 127.0.0.1."""

from __future__ import annotations

import pytest

from alerts.models import Alert, AlertDelivery, AlertSettings
from integrations.duo_sandbox import services as duo_sandbox
from tests.factories import AlertSettingsFactory
from tests.tickettab.conftest import tab  # noqa: F401 (a fixture)
from tests.tickettab.test_push import (  # noqa: F401 (providers is a fixture)
    ALICE_TICKET,
    poll,
    providers,
    send_push,
    the_push,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_alerts_at_once_when_a_caller_denies_a_real_push(
    tab,  # noqa: F811
    providers,  # noqa: F811
    receiver,
    mailoutbox,
) -> None:
    AlertSettingsFactory(
        tenant=tab.tenant,
        security_contacts=["soc@acme-it.example"],
        webhook_kind=AlertSettings.WebhookKind.SLACK,
        webhook_url=receiver.url,
    )
    send_push(tab, ALICE_TICKET)
    v = the_push()
    assert duo_sandbox.answer(v.provider_ref, approve=False)
    assert "Possible impersonation attempt" in poll(tab, v)
    alert = Alert.objects.get()
    assert alert.kind == Alert.Kind.DENIAL and alert.verification == v
    assert alert.ticket_id == ALICE_TICKET and alert.technician == v.agent_name
    assert alert.client_name == v.client_name != ""
    (post,) = receiver.delivered()
    assert f"#{ALICE_TICKET}" in post.body["text"] and "denied the push" in post.body["text"]
    (mail,) = [m for m in mailoutbox if m.subject.startswith("Security alert")]
    assert mail.to == ["soc@acme-it.example"]
    assert set(AlertDelivery.objects.values_list("status", flat=True)) == {"sent"}
    # The tab polls again: the denial is recorded once, and so is the alert.
    poll(tab, v)
    assert Alert.objects.count() == 1 and len(receiver.received) == 1
