from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest
import requests
import responses
import urllib3.util.connection

from integrations import netsafe
from integrations.netsafe import AddressRefused, NotInDns, Redirected, TooLarge
from tests.integrations.halo.helpers import PUBLIC_IP, FakeDNS

URL = "https://acme.halopsa.com/api/Agent/me"


@pytest.fixture(autouse=True)
def _no_private_addresses(settings) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = False


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with netsafe.safe_session() as s:
        yield s


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 - an address to refuse, not to bind
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.0.8",
        "::1",
        "::",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "fec0::1",
        "ff02::1",
        "64:ff9b::7f00:1",
        "2002:7f00:1::1",
        "2001:db8::1",
    ],
)
def test_it_knows_non_global_addresses(address: str) -> None:
    assert netsafe.is_public(ipaddress.ip_address(address)) is False


@pytest.mark.parametrize("address", [PUBLIC_IP, "1.1.1.1", "2606:4700::1111", "::ffff:1.1.1.1"])
def test_it_knows_public_addresses(address: str) -> None:
    assert netsafe.is_public(ipaddress.ip_address(address)) is True


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "::ffff:127.0.0.1", "100.64.0.1"]
)
def test_it_refuses_names_resolving_to_private_addresses(
    address: str, dns: FakeDNS, rsps: responses.RequestsMock, session: requests.Session
) -> None:
    dns.answers["evil.example.com"] = [address]
    rsps.get("https://evil.example.com/api/Agent/me", json={"id": 1})
    with pytest.raises(AddressRefused) as info:
        session.get("https://evil.example.com/api/Agent/me")
    assert (info.value.reason, info.value.host) == ("private", "evil.example.com")
    assert info.value.address == str(ipaddress.ip_address(address))
    assert len(rsps.calls) == 0  # nothing was sent


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/api",
        "https://10.0.0.1/api",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/api",
        "https://[::ffff:127.0.0.1]/api",
        "https://100.64.0.1/api",
    ],
)
def test_it_refuses_private_ip_literals(
    url: str, rsps: responses.RequestsMock, session: requests.Session
) -> None:
    rsps.get(url, json={"id": 1})
    with pytest.raises(AddressRefused) as info:
        session.get(url)
    assert info.value.reason == "private"
    assert len(rsps.calls) == 0


def test_it_refuses_a_name_with_one_private_answer_among_public_ones(
    dns: FakeDNS, rsps: responses.RequestsMock, session: requests.Session
) -> None:
    dns.answers["mixed.example.com"] = [PUBLIC_IP, "10.0.0.1"]
    rsps.get("https://mixed.example.com/api", json={})
    with pytest.raises(AddressRefused) as info:
        session.get("https://mixed.example.com/api")
    assert (info.value.reason, info.value.address) == ("private", "10.0.0.1")
    assert len(rsps.calls) == 0


def test_it_allows_private_addresses_when_the_setting_says_so(
    settings, rsps: responses.RequestsMock, session: requests.Session
) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = True
    rsps.get("http://127.0.0.1:8000/sandbox/halo/api/Agent/me", json={"id": 1})
    response = session.get("http://127.0.0.1:8000/sandbox/halo/api/Agent/me")
    assert response.json() == {"id": 1}


def test_it_refuses_plain_http_in_production(
    rsps: responses.RequestsMock, session: requests.Session
) -> None:
    rsps.get("http://acme.halopsa.com/api", json={})
    with pytest.raises(AddressRefused) as info:
        session.get("http://acme.halopsa.com/api")
    assert info.value.reason == "scheme"
    assert len(rsps.calls) == 0


def test_it_passes_public_addresses(
    dns: FakeDNS, rsps: responses.RequestsMock, session: requests.Session
) -> None:
    rsps.get(URL, json={"id": 1})
    assert session.get(URL).json() == {"id": 1}
    assert dns.lookups == ["acme.halopsa.com"]
    # Halo routes by name: the Host header stays the name, not the pinned IP.
    assert rsps.calls[0].request.headers["Host"] == "acme.halopsa.com"


def test_it_applies_connect_and_read_timeouts(
    rsps: responses.RequestsMock, session: requests.Session
) -> None:
    rsps.get(URL, json={})
    session.get(URL)
    assert rsps.calls[0].request.req_kwargs["timeout"] == (5.0, 15.0)


def test_it_treats_a_redirect_as_an_error(
    rsps: responses.RequestsMock, session: requests.Session
) -> None:
    rsps.get(URL, status=302, headers={"Location": "http://169.254.169.254/latest/"})
    rsps.get("http://169.254.169.254/latest/", body="metadata")
    with pytest.raises(Redirected) as info:
        session.get(URL)
    assert (info.value.status, info.value.location) == (302, "http://169.254.169.254")
    assert [c.request.url for c in rsps.calls] == [URL]  # the target was never requested


def test_it_refuses_an_oversize_response_while_streaming(
    rsps: responses.RequestsMock, session: requests.Session
) -> None:
    # No Content-Length: the cap must hold while reading.
    rsps.get(URL, body=b"x" * (netsafe.MAX_RESPONSE_BYTES + 1))
    with pytest.raises(TooLarge) as info:
        session.get(URL)
    assert info.value.limit == netsafe.MAX_RESPONSE_BYTES


def test_it_refuses_an_oversize_response_by_its_declared_length(
    rsps: responses.RequestsMock, session: requests.Session
) -> None:
    rsps.get(URL, body=b"{}", headers={"Content-Length": str(10 * 1024 * 1024)})
    with pytest.raises(TooLarge):
        session.get(URL)


def test_it_accepts_a_response_at_the_cap(
    rsps: responses.RequestsMock, session: requests.Session
) -> None:
    rsps.get(URL, body=b"x" * netsafe.MAX_RESPONSE_BYTES)
    assert len(session.get(URL).content) == netsafe.MAX_RESPONSE_BYTES


def test_it_reports_an_unknown_host(
    rsps: responses.RequestsMock, session: requests.Session
) -> None:
    with pytest.raises(NotInDns) as info:
        session.get("https://nosuch.halopsa.com/api")
    assert info.value.host == "nosuch.halopsa.com"


def test_it_connects_to_the_address_it_checked(
    dns: FakeDNS, monkeypatch: pytest.MonkeyPatch, session: requests.Session
) -> None:
    # No `responses` here: the request goes down to urllib3, which asks for a socket.
    # We record where it would connect and refuse, so nothing leaves the machine.
    connects: list[tuple[str, int]] = []

    def refuse(address: tuple[str, int], *args: object, **kwargs: object) -> None:
        connects.append(address)
        raise ConnectionRefusedError("test: no network")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", refuse)
    with pytest.raises(requests.ConnectionError) as info:
        session.get(URL)

    assert connects == [(PUBLIC_IP, 443)]  # the checked IP, so no second DNS lookup
    assert dns.lookups == ["acme.halopsa.com"]
    assert info.value.request.headers["Host"] == "acme.halopsa.com"
    adapter = session.get_adapter(URL)
    [pool_key] = list(adapter.poolmanager.pools.keys())
    assert pool_key.key_host == PUBLIC_IP
    # TLS: SNI and certificate verification are for the name, not the IP.
    assert pool_key.key_server_hostname == "acme.halopsa.com"
    assert pool_key.key_assert_hostname == "acme.halopsa.com"


def test_it_pins_ipv6_addresses_too(
    dns: FakeDNS, monkeypatch: pytest.MonkeyPatch, session: requests.Session
) -> None:
    dns.answers["v6.example.com"] = ["2606:4700::1111"]
    connects: list[tuple[str, int]] = []

    def refuse(address: tuple[str, int], *args: object, **kwargs: object) -> None:
        connects.append(address)
        raise ConnectionRefusedError("test: no network")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", refuse)
    with pytest.raises(requests.ConnectionError):
        session.get("https://v6.example.com/api")
    assert connects == [("2606:4700::1111", 443)]


def test_it_never_connects_to_an_unchecked_address() -> None:
    request = requests.Request("GET", URL).prepare()
    with pytest.raises(AddressRefused) as info:
        netsafe.SafeAdapter().build_connection_pool_key_attributes(request, True)
    assert info.value.reason == "unchecked"


def test_it_ignores_proxies_and_netrc_from_the_environment() -> None:
    with netsafe.safe_session() as session:
        assert session.trust_env is False
        assert isinstance(session.get_adapter("http://x.example.com"), netsafe.SafeAdapter)
        assert isinstance(session.get_adapter("https://x.example.com"), netsafe.SafeAdapter)
