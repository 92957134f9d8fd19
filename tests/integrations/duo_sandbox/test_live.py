"""duo_client itself (through SandboxAuth) against the live sandbox, over real HTTP.

These prove the sandbox accepts duo_client's real signatures (v5 with JSON bodies,
and v2 with forms) and answers in the shapes duo_client parses.
"""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client

from integrations.duo_sandbox import services
from integrations.duo_sandbox.client import SandboxAuth
from integrations.duo_sandbox.seed import ALICE, BEN, CHLOE, DANIEL, DEMO_IKEY, DEMO_SKEY

pytestmark = pytest.mark.django_db(transaction=True)

PUSHINFO = "from=MSP+Process&msp=Acme+IT&ticket=%231001+Password+reset"


def push(duo: SandboxAuth, username: str = ALICE) -> str:
    return duo.auth("push", username=username, device="auto", async_txn=True, pushinfo=PUSHINFO)[
        "txid"
    ]


def answer_on_page(txid: str, choice: str) -> None:
    """Press Approve or Deny on the devices page, CSRF token and all."""
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/sandbox/duo/devices/").content.decode()
    assert f'id="push-{txid}"' in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    response = browser.post(
        f"/sandbox/duo/devices/{txid}/answer",
        {"answer": choice, "csrfmiddlewaretoken": token.group(1)},
    )
    assert response.status_code == 302


def test_it_answers_ping_and_check(duo: SandboxAuth) -> None:
    now = int(time.time())
    assert abs(duo.ping()["time"] - now) <= 2
    assert abs(duo.check()["time"] - now) <= 2


def test_it_checks_v2_signatures_too(live_host: str) -> None:
    duo = SandboxAuth(DEMO_IKEY, DEMO_SKEY, live_host, sig_version=2)
    assert "time" in duo.check()
    assert duo.preauth(username=ALICE)["result"] == "auth"


def test_it_preauths_each_seeded_user(duo: SandboxAuth) -> None:
    alice = duo.preauth(username=ALICE)
    assert alice["result"] == "auth"
    assert alice["status_msg"] == "Account is active"
    [phone] = alice["devices"]
    assert "push" in phone["capabilities"]
    assert phone["device"] == "DPSANDBOXALICE000201"
    assert phone["number"] == "XXX-XXX-0156"

    ben = duo.preauth(username=BEN)
    assert ben["result"] == "auth"
    [sms_phone] = ben["devices"]
    assert "push" not in sms_phone["capabilities"]
    assert {"sms", "phone"} <= set(sms_phone["capabilities"])

    chloe = duo.preauth(username=CHLOE)
    assert chloe["result"] == "enroll"
    assert "enroll_portal_url" in chloe

    daniel = duo.preauth(username=DANIEL)
    assert daniel["result"] == "deny"
    assert "locked out" in daniel["status_msg"]

    assert duo.preauth(user_id="DUSANDBOXALICE000201")["result"] == "auth"


def test_it_approves_a_push_on_the_devices_page(duo: SandboxAuth) -> None:
    txid = push(duo)
    waiting = duo.auth_status(txid)
    assert waiting["waiting"] is True
    assert waiting["status"] == "pushed"
    [pending] = services.pending_pushes(ALICE)
    assert pending.txid == txid
    assert dict(pending.pushinfo_items)["ticket"] == "#1001 Password reset"

    answer_on_page(txid, "approve")

    done = duo.auth_status(txid)
    assert (done["success"], done["waiting"], done["status"]) == (True, False, "allow")
    assert services.pending_pushes(ALICE) == []


def test_it_denies_a_push(duo: SandboxAuth) -> None:
    txid = push(duo)
    answer_on_page(txid, "deny")
    done = duo.auth_status(txid)
    assert (done["success"], done["waiting"], done["status"]) == (False, False, "deny")


def test_it_times_out_a_push_nobody_answers(duo: SandboxAuth) -> None:
    txid = push(duo)
    services.set_push_timeout(0)
    done = duo.auth_status(txid)
    assert (done["success"], done["waiting"], done["status"]) == (False, False, "timeout")
    # Approving it now changes nothing.
    assert services.answer(txid, approve=True) is False
    services.set_push_timeout(None)
    assert duo.auth_status(txid)["status"] == "timeout"


def test_it_keeps_the_first_answer(duo: SandboxAuth) -> None:
    txid = push(duo)
    assert services.answer(txid, approve=False) is True
    assert services.answer(txid, approve=True) is False
    assert duo.auth_status(txid)["status"] == "deny"


def test_it_waits_for_a_synchronous_push(duo: SandboxAuth, settings) -> None:
    services.set_push_timeout(0.5)
    result = duo.auth("push", username=ALICE, device="auto")
    assert (result["result"], result["status"]) == ("deny", "timeout")


def test_it_refuses_a_push_to_a_phone_without_duo_mobile(duo: SandboxAuth) -> None:
    with pytest.raises(RuntimeError) as refused:
        push(duo, BEN)
    assert refused.value.status == 400
    assert refused.value.data["code"] == 40002


def test_it_ends_a_push_to_a_locked_out_user_at_once(duo: SandboxAuth) -> None:
    txid = push(duo, DANIEL)
    assert services.pending_pushes(DANIEL) == []
    assert duo.auth_status(txid)["status"] == "deny"


@pytest.mark.parametrize(
    ("ikey", "skey", "code"),
    [
        (DEMO_IKEY, "wrong-secret-key-wrong-secret-key-000000", 40103),
        ("DIWRONGWRONGWRONG000", DEMO_SKEY, 40102),
    ],
)
def test_it_refuses_wrong_keys(live_host: str, ikey: str, skey: str, code: int) -> None:
    duo = SandboxAuth(ikey, skey, live_host)
    for call in (duo.check, lambda: duo.preauth(username=ALICE)):
        with pytest.raises(RuntimeError) as refused:
            call()
        # Refused by the sandbox, in Duo's words.
        assert refused.value.status == 401
        reply = refused.value.data
        assert (reply["stat"], reply["code"]) == ("FAIL", code)
    assert services.pending_pushes() == []
