"""How the client reads Halo's looser replies: missing fields, lists of one, pages
that are not JSON, and 429s with or without Retry-After."""

from __future__ import annotations

import pytest
import responses
from responses import matchers

from integrations.halo.client import HaloClient
from integrations.halo.credentials import HaloCredentials
from integrations.halo.errors import (
    RESOURCE_SERVER_HINT,
    BadCredentials,
    HaloBusy,
    InvalidRequest,
    MissingPermission,
    NotFound,
    Unavailable,
)
from integrations.halo.tokens import fetch
from tests.integrations.halo.helpers import API, TOKEN_URL, calls_to

HTML_404 = "<!DOCTYPE html><html><body><h2>404 - File or directory not found.</h2></body></html>"
DETAILS = matchers.query_param_matcher({"includedetails": "true"})


def test_it_asks_for_details_of_the_records_it_reads(
    rsps: responses.RequestsMock, halo: HaloClient
) -> None:
    rsps.get(API + "/Users/9", json={"id": 9, "mobilenumber": "+61491570156"}, match=[DETAILS])
    rsps.get(API + "/Tickets/5", json={"id": 5, "user_id": 9}, match=[DETAILS])
    rsps.get(API + "/Agent/me", json={"id": 1}, match=[DETAILS])
    rsps.get(API + "/Agent/4", json={"id": 4}, match=[DETAILS])
    assert halo.user(9)["mobilenumber"] == "+61491570156"
    assert halo.ticket(5) == {"id": 5, "user_id": 9}  # other fields may be missing
    assert halo.me() == {"id": 1}
    assert halo.agent(4) == {"id": 4}


def test_it_reads_a_listing_whose_empty_list_was_left_out(
    rsps: responses.RequestsMock, halo: HaloClient
) -> None:
    rsps.get(API + "/Actions", json={"record_count": 0})
    assert halo.actions(5) == []


def test_it_still_refuses_a_listing_that_is_not_one(
    rsps: responses.RequestsMock, halo: HaloClient
) -> None:
    rsps.get(API + "/Actions", json={"Message": "odd"})
    with pytest.raises(Exception, match="not the list"):
        halo.actions(5)


@pytest.mark.parametrize("reply", [{"id": 12, "ticket_id": 5}, [{"id": 12, "ticket_id": 5}]])
def test_it_takes_an_object_or_a_list_of_one_for_a_new_note(
    rsps: responses.RequestsMock, halo: HaloClient, reply
) -> None:
    rsps.post(API + "/Actions", json=reply)
    assert halo.add_private_note(5, "Caller verified.", "Private Note")["id"] == 12


def test_it_explains_an_html_404_as_a_wrong_address(
    rsps: responses.RequestsMock, halo: HaloClient
) -> None:
    rsps.get(API + "/Tickets/5", status=404, body=HTML_404, content_type="text/html")
    with pytest.raises(NotFound) as info:
        halo.ticket(5)
    assert "web page" in info.value.message
    assert info.value.hint == RESOURCE_SERVER_HINT


def test_it_keeps_a_json_404_as_an_unknown_record(
    rsps: responses.RequestsMock, halo: HaloClient
) -> None:
    rsps.get(API + "/Tickets/5", status=404, json={"ClassName": "x", "Message": "Not found"})
    with pytest.raises(NotFound) as info:
        halo.ticket(5)
    assert info.value.message == "Halo has no record at /Tickets/5."


@pytest.mark.parametrize("body", ["", "Forbidden", "<html><body>403</body></html>"])
def test_it_reads_a_403_without_json_as_a_missing_permission(
    rsps: responses.RequestsMock, halo: HaloClient, body: str
) -> None:
    rsps.get(API + "/Users/9", status=403, body=body)
    with pytest.raises(MissingPermission) as info:
        halo.user(9)
    assert info.value.permission == "read:customers"


def test_it_reads_an_html_500_as_unavailable(
    rsps: responses.RequestsMock, halo: HaloClient, sleeps: list[float]
) -> None:
    rsps.get(API + "/Tickets/5", status=500, body="<html>Runtime Error</html>")
    with pytest.raises(Unavailable) as info:
        halo.ticket(5)
    assert info.value.status == 500


def test_it_reads_an_html_400_without_crashing(
    rsps: responses.RequestsMock, halo: HaloClient
) -> None:
    rsps.post(API + "/Actions", status=400, body="<html>Bad Request</html>")
    with pytest.raises(InvalidRequest) as info:
        halo.add_private_note(5, "n", "o")
    assert info.value.message == "Halo refused the request (HTTP 400)."


def test_it_honours_retry_after_when_halo_sends_it(
    rsps: responses.RequestsMock, halo: HaloClient, sleeps: list[float]
) -> None:
    rsps.get(API + "/Tickets/5", status=429, headers={"Retry-After": "30"})
    rsps.get(API + "/Tickets/5", json={"id": 5})
    with pytest.raises(HaloBusy) as info:
        halo.ticket(5)
    assert 29 <= info.value.retry_in <= 30  # Halo's 30 s, not our 5 s
    assert info.value.hint == "Try again in 30 seconds."
    assert sleeps == []
    with pytest.raises(HaloBusy):
        halo.ticket(5)  # still held off: Halo is not asked again
    assert len(calls_to(rsps, API)) == 1


def test_it_falls_back_to_five_seconds_when_retry_after_is_unreadable(
    rsps: responses.RequestsMock, halo: HaloClient, sleeps: list[float]
) -> None:
    rsps.get(API + "/Tickets/5", status=429, headers={"Retry-After": "soon"})
    with pytest.raises(HaloBusy) as info:
        halo.ticket(5)
    assert 4 <= info.value.retry_in <= 5
    assert sleeps == []


def test_it_stops_before_the_429_when_halo_says_no_calls_remain(
    rsps: responses.RequestsMock, halo: HaloClient
) -> None:
    rsps.get(API + "/Tickets/5", json={"id": 5}, headers={"X-RateLimit-Remaining": "0"})
    assert halo.ticket(5) == {"id": 5}  # this reply is good
    with pytest.raises(HaloBusy) as info:
        halo.ticket(5)
    assert info.value.reason == "backoff"
    assert info.value.status is None  # refused here: Halo was not asked
    assert len(calls_to(rsps, API)) == 1


def test_it_goes_on_while_halo_says_calls_remain(
    rsps: responses.RequestsMock, halo: HaloClient
) -> None:
    rsps.get(API + "/Tickets/5", json={"id": 5}, headers={"X-RateLimit-Remaining": "7"})
    assert halo.ticket(5) == {"id": 5}
    assert halo.ticket(5) == {"id": 5}
    assert len(calls_to(rsps, API)) == 2


def test_it_says_to_check_the_agent_when_the_sign_in_is_refused(
    rsps: responses.RequestsMock, creds: HaloCredentials
) -> None:
    rsps.post(
        TOKEN_URL,
        status=400,
        json={"error": "invalid_grant", "error_description": "agent disabled"},
    )
    with HaloClient(creds) as halo, pytest.raises(BadCredentials) as info:
        fetch(creds, halo._http)
    assert "Agent to log in as" in info.value.hint


def test_it_reads_a_rate_limited_sign_in_as_busy_and_holds_off_the_api_too(
    rsps: responses.RequestsMock, creds: HaloCredentials
) -> None:
    rsps.post(TOKEN_URL, status=429, json={"Message": "Rate Limit Reached"})
    with HaloClient(creds) as halo, pytest.raises(HaloBusy) as info:
        fetch(creds, halo._http)
    assert (info.value.reason, info.value.status) == ("backoff", 429)
    assert "API limit was reached" in str(info.value)
    with HaloClient(creds) as halo, pytest.raises(HaloBusy):
        halo.ticket(5)
    assert len(rsps.calls) == 1  # neither a second token request nor an API call
