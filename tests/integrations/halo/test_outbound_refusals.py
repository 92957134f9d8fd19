"""What the outbound guard's refusals say to a customer once the Halo client has
put them in Halo's words (integrations/netsafe.py raises its own, generic errors)."""

from __future__ import annotations

import pytest
import responses

from integrations.halo.client import HaloClient
from integrations.halo.errors import AddressRefused, BadResponse, Unavailable
from integrations.netsafe import MAX_RESPONSE_BYTES
from tests.integrations.halo.helpers import API, TOKEN_URL, FakeDNS, add_token, make_creds


def creds_at(base_url: str):
    return make_creds(base_url=base_url, auth_server=base_url + "/auth")


def test_it_says_a_private_address_is_refused_and_sends_nothing(
    dns: FakeDNS, rsps: responses.RequestsMock
) -> None:
    dns.answers["evil.example.com"] = ["10.0.0.1"]
    rsps.post("https://evil.example.com/auth/token", json={"access_token": "x"})
    halo = HaloClient(creds_at("https://evil.example.com"))
    with pytest.raises(AddressRefused) as info:
        halo.me()
    assert info.value.message == (
        "That address points to a private network (evil.example.com is 10.0.0.1), "
        "so we will not connect to it."
    )
    assert "public https:// address" in info.value.hint
    assert len(rsps.calls) == 0


def test_it_says_halo_must_be_reached_over_https(rsps: responses.RequestsMock) -> None:
    halo = HaloClient(creds_at("http://acme.halopsa.com"))
    with pytest.raises(AddressRefused) as info:
        halo.me()
    assert info.value.message == "Halo must be reached over https://."
    assert info.value.hint == "Use the https:// address of your Halo instance."
    assert len(rsps.calls) == 0


def test_it_names_where_a_redirect_pointed(rsps: responses.RequestsMock, halo: HaloClient) -> None:
    rsps.get(API + "/Agent/me", status=302, headers={"Location": "http://169.254.169.254/x"})
    with pytest.raises(BadResponse) as info:
        halo.me()
    assert info.value.message == (
        "Halo answered with a redirect to http://169.254.169.254 instead of an answer."
    )
    assert info.value.status == 302


def test_it_says_an_answer_was_too_large(rsps: responses.RequestsMock, halo: HaloClient) -> None:
    rsps.get(API + "/Agent/me", body=b"x" * (MAX_RESPONSE_BYTES + 1))
    with pytest.raises(BadResponse) as info:
        halo.me()
    assert info.value.message == "Halo's answer was larger than we accept (2048 KB)."


def test_it_says_the_sign_in_answer_was_too_large(rsps: responses.RequestsMock) -> None:
    rsps.post(TOKEN_URL, body=b"x" * (MAX_RESPONSE_BYTES + 1))
    with HaloClient(make_creds()) as halo, pytest.raises(BadResponse) as info:
        halo.me()
    assert "larger than we accept" in info.value.message
    assert [c.request.url for c in rsps.calls] == [TOKEN_URL]


def test_it_names_a_host_missing_from_dns_and_does_not_retry(
    rsps: responses.RequestsMock, sleeps: list[float]
) -> None:
    halo = HaloClient(creds_at("https://nosuch.halopsa.com"))
    with pytest.raises(Unavailable) as info:
        halo.me()
    assert info.value.message == "We could not find nosuch.halopsa.com in DNS."
    assert "Check the spelling" in info.value.hint
    assert info.value.retryable is False
    assert sleeps == []


def test_it_says_the_sign_in_is_refused_too(dns: FakeDNS, rsps: responses.RequestsMock) -> None:
    dns.answers["evil.example.com"] = ["127.0.0.1"]
    add_token(rsps)  # for acme, not for evil: nothing may reach either
    halo = HaloClient(creds_at("https://evil.example.com"))
    with pytest.raises(AddressRefused):
        halo.token(fresh=True)
    assert len(rsps.calls) == 0
