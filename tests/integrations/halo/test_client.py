from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
import requests
import responses
from responses import matchers

import mspprocess
from integrations.halo import meter
from integrations.halo.client import HaloClient
from integrations.halo.credentials import HaloCredentials
from integrations.halo.errors import (
    BadCredentials,
    BadResponse,
    HaloBusy,
    HaloError,
    InvalidRequest,
    MissingPermission,
    NotFound,
    Unavailable,
)
from tests.integrations.halo.helpers import (
    ACCESS_TOKEN,
    API,
    SECRET,
    TOKEN_URL,
    FakeDNS,
    calls_to,
)

TICKET = {"id": 5, "summary": "Reset my password", "user_id": 9}


def test_it_reads_records(rsps: responses.RequestsMock, halo: HaloClient) -> None:
    rsps.get(API + "/Agent/me", json={"id": 3, "name": "MSP Process"})
    rsps.get(API + "/Agent/4", json={"id": 4, "name": "Tess Tech"})
    rsps.get(API + "/Tickets/5", json=TICKET)
    rsps.get(API + "/Users/9", json={"id": 9, "emailaddress": "ann@example.com"})
    rsps.get(API + "/TicketType", json=[{"id": 1, "name": "Incident"}])

    assert halo.me()["name"] == "MSP Process"
    assert halo.agent(4)["name"] == "Tess Tech"
    assert halo.ticket(5) == TICKET
    assert halo.user("9")["emailaddress"] == "ann@example.com"
    assert halo.ticket_types() == [{"id": 1, "name": "Incident"}]


def test_it_sends_a_user_agent_and_the_bearer_token(
    rsps: responses.RequestsMock, halo: HaloClient
) -> None:
    rsps.get(API + "/Tickets/5", json=TICKET)
    halo.ticket(5)
    request = calls_to(rsps, API)[0].request
    assert request.headers["User-Agent"] == f"MSPProcess/{mspprocess.__version__}"
    assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert request.headers["Accept"] == "application/json"


def test_it_adds_a_private_note_as_an_array_of_one(
    rsps: responses.RequestsMock, halo: HaloClient
) -> None:
    rsps.post(API + "/Actions", json={"id": 77, "ticket_id": 5, "outcome": "Caller verified"})
    action = halo.add_private_note(5, "Verified by SMS code.", "Caller verified")

    assert action["id"] == 77
    body = json.loads(calls_to(rsps, API)[0].request.body)
    assert body == [
        {
            "ticket_id": 5,
            "outcome": "Caller verified",
            "note": "Verified by SMS code.",
            "hiddenfromuser": True,
            "sendemail": False,
            "timetaken": 0,
        }
    ]


def test_it_lists_actions_of_a_ticket(rsps: responses.RequestsMock, halo: HaloClient) -> None:
    rsps.get(
        API + "/Actions",
        match=[matchers.query_param_matcher({"ticket_id": "5", "count": "10"})],
        json={"record_count": 1, "actions": [{"id": 77, "note": "Verified"}]},
    )
    assert halo.actions(5, 10) == [{"id": 77, "note": "Verified"}]


def test_it_lists_users_in_either_shape(rsps: responses.RequestsMock, halo: HaloClient) -> None:
    rsps.get(API + "/Users", json={"record_count": 1, "users": [{"id": 9}]})
    assert halo.users(count=1) == [{"id": 9}]
    rsps.replace(responses.GET, API + "/Users", json=[{"id": 10}])
    assert halo.users(count=1) == [{"id": 10}]
    assert calls_to(rsps, API)[0].request.url == API + "/Users?count=1"


# "\uff15" is a full-width 5: a digit to str.isdigit(), not to us.
@pytest.mark.parametrize("bad_id", ["5/../Users", "-1", 0, True, "1e3", "\uff15"])
def test_it_refuses_ids_that_are_not_positive_integers(
    rsps: responses.RequestsMock, halo: HaloClient, bad_id: object
) -> None:
    with pytest.raises(ValueError):
        halo.ticket(bad_id)  # type: ignore[arg-type]
    assert len(rsps.calls) == 0


def test_it_drops_a_refused_token_and_retries_once(
    rsps: responses.RequestsMock, halo: HaloClient
) -> None:
    rsps.get(API + "/Tickets/5", status=401, json={"error": "invalid_token"})
    rsps.get(API + "/Tickets/5", json=TICKET)
    halo.ticket(5)  # 401, new token, 200

    assert len(calls_to(rsps, TOKEN_URL)) == 2
    assert len(calls_to(rsps, API)) == 2


def test_it_gives_up_when_halo_keeps_refusing_the_token(
    rsps: responses.RequestsMock, halo: HaloClient
) -> None:
    rsps.get(API + "/Tickets/5", status=401, json={"error": "invalid_token"})
    with pytest.raises(BadCredentials) as info:
        halo.ticket(5)
    assert "even a newly issued one" in info.value.message
    assert len(calls_to(rsps, TOKEN_URL)) == 2
    assert len(calls_to(rsps, API)) == 2


def test_it_does_not_retry_a_429_within_the_request_but_backs_off_every_process(
    rsps: responses.RequestsMock, halo: HaloClient, creds, settings, sleeps: list[float]
) -> None:
    settings.HALO_BACKOFF_SECONDS = 1.0  # the default
    rsps.get(API + "/Tickets/5", status=429, body="Rate Limit Reached")
    before = time.time()
    with pytest.raises(HaloBusy) as info:
        halo.ticket(5)
    assert len(calls_to(rsps, API)) == 1  # the shared back-off, not a retry here
    assert sleeps == []
    assert (info.value.reason, info.value.status) == ("backoff", 429)
    assert before + 5 <= info.value.retry_at <= time.time() + 5  # 5 s, as Halo's clients
    assert info.value.message.startswith("Halo is busy: it said its API limit was reached")
    with HaloClient(creds) as other, pytest.raises(HaloBusy):
        other.ticket(5)  # another process: refused without a request
    assert len(calls_to(rsps, API)) == 1


def test_it_backs_off_on_500_then_raises_unavailable(
    rsps: responses.RequestsMock, halo: HaloClient, sleeps: list[float]
) -> None:
    rsps.get(API + "/Tickets/5", status=500, json={"Message": "boom"})
    with pytest.raises(Unavailable) as info:
        halo.ticket(5)
    assert info.value.status == 500
    assert len(calls_to(rsps, API)) == 3
    assert len(sleeps) == 2


def test_it_recovers_when_halo_comes_back(
    rsps: responses.RequestsMock, halo: HaloClient, sleeps: list[float]
) -> None:
    rsps.get(API + "/Tickets/5", status=503)
    rsps.get(API + "/Tickets/5", json=TICKET)
    assert halo.ticket(5) == TICKET
    assert len(sleeps) == 1


def test_it_keeps_the_total_wait_within_the_budget(
    rsps: responses.RequestsMock,
    halo: HaloClient,
    settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Real (short) pauses: the budget is measured on the clock.
    settings.HALO_BACKOFF_SECONDS = 0.1
    settings.HALO_RETRY_BUDGET_SECONDS = 0.25
    pauses: list[float] = []
    real_sleep = time.sleep
    monkeypatch.setattr(time, "sleep", lambda s: (pauses.append(s), real_sleep(s)))
    rsps.get(API + "/Tickets/5", status=503)
    with pytest.raises(Unavailable):
        halo.ticket(5)
    assert pauses == [0.1]  # after 0.1 s, a 0.2 s pause would pass the 0.25 s budget
    assert len(calls_to(rsps, API)) == 2


def test_it_treats_timeouts_as_unavailable(
    rsps: responses.RequestsMock, halo: HaloClient, sleeps: list[float]
) -> None:
    rsps.get(API + "/Tickets/5", body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(Unavailable):
        halo.ticket(5)
    assert len(calls_to(rsps, API)) == 3


def test_it_does_not_repeat_a_note_halo_may_have_created(
    rsps: responses.RequestsMock, halo: HaloClient, sleeps: list[float]
) -> None:
    rsps.post(API + "/Actions", body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(Unavailable):
        halo.add_private_note(5, "note", "Caller verified")
    assert len(calls_to(rsps, API)) == 1


def test_it_leaves_a_note_halo_refused_with_429_to_the_outbox(
    rsps: responses.RequestsMock, halo: HaloClient, sleeps: list[float]
) -> None:
    rsps.post(API + "/Actions", status=429)
    rsps.post(API + "/Actions", json={"id": 78})
    with pytest.raises(HaloBusy):
        halo.add_private_note(5, "note", "Caller verified")
    assert len(calls_to(rsps, API)) == 1
    assert sleeps == []


def test_it_deletes_and_takes_an_empty_answer_as_done(
    rsps: responses.RequestsMock, halo: HaloClient, creds: HaloCredentials
) -> None:
    rsps.delete(API + "/Tabs/7", status=200, body="")
    rsps.delete(API + "/Tabs/8", status=204)
    rsps.delete(API + "/Tabs/9", json={"id": 9, "deleted": True})

    assert halo.delete("/Tabs/7") is None
    assert halo.delete("/Tabs/8") is None
    assert halo.delete("/Tabs/9") == {"id": 9, "deleted": True}
    request = calls_to(rsps, API)[0].request
    assert request.method == "DELETE"
    assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert meter.budget_for(creds).used() == 4  # metered: the token and three deletes


@pytest.mark.parametrize(
    "failure",
    [{"status": 500}, {"body": requests.exceptions.ReadTimeout("slow")}],
    ids=["500", "timeout"],
)
def test_it_does_not_repeat_a_delete_halo_may_have_done(
    rsps: responses.RequestsMock, halo: HaloClient, sleeps: list[float], failure: dict[str, Any]
) -> None:
    rsps.delete(API + "/Tabs/7", **failure)
    rsps.delete(API + "/Tabs/7", status=200, body="")
    with pytest.raises(Unavailable):
        halo.delete("/Tabs/7")
    assert len(calls_to(rsps, API)) == 1
    assert sleeps == []


def test_it_says_when_there_was_nothing_to_delete(
    rsps: responses.RequestsMock, halo: HaloClient
) -> None:
    rsps.delete(API + "/Tabs/7", status=404, json={"Message": "Not found"})
    with pytest.raises(NotFound) as info:
        halo.delete("/Tabs/7")
    assert info.value.status == 404


def test_it_renews_a_refused_token_for_a_delete(
    rsps: responses.RequestsMock, halo: HaloClient
) -> None:
    rsps.delete(API + "/Tabs/7", status=401, json={"error": "invalid_token"})
    rsps.delete(API + "/Tabs/7", status=200, body="")
    assert halo.delete("/Tabs/7") is None  # 401, new token, 200: Halo did nothing at first
    assert len(calls_to(rsps, TOKEN_URL)) == 2
    assert len(calls_to(rsps, API)) == 2


@pytest.mark.parametrize(
    ("status", "error"),
    [(403, MissingPermission), (404, NotFound), (400, InvalidRequest), (405, InvalidRequest)],
)
def test_it_maps_error_statuses(
    rsps: responses.RequestsMock, halo: HaloClient, status: int, error: type[HaloError]
) -> None:
    rsps.get(API + "/Tickets/5", status=status, json={"Message": "Nope"})
    with pytest.raises(error) as info:
        halo.ticket(5)
    assert info.value.status == status
    assert len(calls_to(rsps, API)) == 1  # not retried


def test_it_names_the_missing_permission(rsps: responses.RequestsMock, halo: HaloClient) -> None:
    rsps.post(API + "/Actions", status=403, json={"ClassName": "X", "Message": "Forbidden"})
    with pytest.raises(MissingPermission) as info:
        halo.add_private_note(5, "note", "Caller verified")
    assert info.value.permission == "edit:tickets"
    assert "Permissions, tick edit:tickets" in info.value.hint


def test_it_passes_on_halos_field_errors(rsps: responses.RequestsMock, halo: HaloClient) -> None:
    rsps.post(API + "/Actions", status=400, json={"[0].outcome": "The outcome is required."})
    with pytest.raises(InvalidRequest) as info:
        halo.add_private_note(5, "note", "")
    assert "[0].outcome: The outcome is required." in info.value.message


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ("<html>Sign in</html>", "text/html"),
        ("", "application/json"),
    ],
)
def test_it_refuses_malformed_json(
    rsps: responses.RequestsMock, halo: HaloClient, body: str, content_type: str
) -> None:
    rsps.get(API + "/Tickets/5", body=body, content_type=content_type)
    with pytest.raises(BadResponse):
        halo.ticket(5)


@pytest.mark.parametrize(
    "reply",
    [[TICKET], {"tickets": [TICKET]}, {"summary": "no id"}, {"id": "5"}, {"id": 6}, None],
)
def test_it_refuses_unexpected_shapes(
    rsps: responses.RequestsMock, halo: HaloClient, reply: object
) -> None:
    rsps.get(API + "/Tickets/5", json=reply)
    with pytest.raises(BadResponse):
        halo.ticket(5)


@pytest.mark.parametrize("reply", [{"id": 1}, [1, 2], {"record_count": 0}])
def test_it_refuses_lists_of_the_wrong_shape(
    rsps: responses.RequestsMock, halo: HaloClient, reply: object
) -> None:
    rsps.get(API + "/TicketType", json=reply)
    with pytest.raises(BadResponse):
        halo.ticket_types()


def test_it_refuses_an_api_on_a_private_address(
    rsps: responses.RequestsMock, dns: FakeDNS, creds: HaloCredentials
) -> None:
    dns.answers["acme.halopsa.com"] = ["10.1.2.3"]
    rsps.get(API + "/Agent/me", json={"id": 3})
    with pytest.raises(HaloError) as info:
        HaloClient(creds).me()
    assert "private network" in info.value.message
    assert len(rsps.calls) == 0


def test_it_logs_one_line_per_call_without_secrets(
    rsps: responses.RequestsMock, halo: HaloClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # everything, from every library
    rsps.get(API + "/Tickets/5", json=TICKET)
    halo.ticket(5)

    halo_lines = [r.getMessage() for r in caplog.records if r.name == "integrations.halo"]
    assert len(halo_lines) == 2
    assert halo_lines[0].startswith("halo conn=7 POST /auth/token 200 ")
    assert halo_lines[1].startswith("halo conn=7 GET /Tickets/5 200 ")
    assert SECRET not in caplog.text
    assert ACCESS_TOKEN not in caplog.text


def test_it_keeps_secrets_out_of_errors_and_logs(
    rsps: responses.RequestsMock, creds: HaloCredentials, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rsps.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    with pytest.raises(BadCredentials) as info:
        HaloClient(creds).me()

    error = info.value
    for text in (str(error), repr(error), error.message, error.hint, json.dumps(error.to_dict())):
        assert SECRET not in text
    assert SECRET not in repr(creds)
    assert SECRET not in caplog.text
    assert "POST /auth/token 401" in caplog.text
