from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from integrations.addresses import (
    api_base,
    default_auth_server,
    normalize_auth_server,
    normalize_resource_server,
    origin_of,
)

ACME = "https://acme.halopsa.com"

ACCEPTED = [
    # (pasted, allow_private, base URL)
    ("acme.halopsa.com", False, ACME),
    ("https://acme.halopsa.com", False, ACME),
    ("https://acme.halopsa.com/", False, ACME),
    ("https://acme.halopsa.com/api", False, ACME),
    ("https://acme.halopsa.com/api/", False, ACME),
    ("HTTPS://Acme.HaloPSA.com/api/", False, ACME),
    ("  https://acme.halopsa.com/api  ", False, ACME),
    ("acme.halopsa.com/api", False, ACME),
    ("//acme.halopsa.com/api", False, ACME),
    ("https://acme.halopsa.com/API", False, ACME),
    ("https://acme.halopsa.com/ticket?id=5", False, ACME),
    ("https://acme.halopsa.com/ticket?id=5#details", False, ACME),
    ("https://acme.halopsa.com/api/Tickets/5?x=1", False, ACME),
    ("https://acme.halopsa.com/weird%20page/x", False, ACME),
    ("https://acme.halopsa.com.", False, ACME),
    ("https://acme.halopsa.com:443/api", False, ACME),
    ("https://acme.halopsa.com:8443/api", False, "https://acme.halopsa.com:8443"),
    ("acme.halopsa.com:8443", False, "https://acme.halopsa.com:8443"),
    ("https://halo.example.com/halo/api/", False, "https://halo.example.com/halo"),
    ("https://halo.example.com/halo/ticket?id=1", False, "https://halo.example.com"),
    ("https://bücher.example.com/api", False, "https://xn--bcher-kva.example.com"),
    ("https://xn--bcher-kva.example.com", False, "https://xn--bcher-kva.example.com"),
    ("https://acme.haloservicedesk.com/api", False, "https://acme.haloservicedesk.com"),
    # Development and the sandbox (HALO_ALLOW_PRIVATE_ADDRESSES on).
    ("http://127.0.0.1:8000/sandbox/halo/api", True, "http://127.0.0.1:8000/sandbox/halo"),
    # Any of the sandbox's pages, as "the address of any Halo page works" promises.
    (
        "http://localhost:8000/sandbox/halo/tickets/1001/?tab=msp",
        True,
        "http://localhost:8000/sandbox/halo",
    ),
    ("http://localhost:8000/sandbox/halo/", True, "http://localhost:8000/sandbox/halo"),
    ("http://localhost:8000/Sandbox/Halo/devices/", True, "http://localhost:8000/sandbox/halo"),
    ("http://localhost:8000/api", True, "http://localhost:8000"),
    ("http://halo:80/api", True, "http://halo"),
    ("https://[::1]:8443/api", True, "https://[::1]:8443"),
    ("10.0.0.5/api", True, "https://10.0.0.5"),
    ("https://halo.internal/api", True, "https://halo.internal"),
]

REFUSED = [
    # (pasted, allow_private, a word the message must contain)
    ("", False, "Enter the Resource Server"),
    ("   ", False, "Enter the Resource Server"),
    ("acme .halopsa.com", False, "spaces"),
    ("https://acme.halopsa.com/a b", False, "spaces"),
    ("ftp://acme.halopsa.com", False, "https://"),
    ("javascript:alert(1)", False, "https://"),
    ("file:///etc/passwd", False, "https://"),
    # An unbalanced bracket is an IPv6 address half typed: urlsplit cannot read it.
    ("https://[2001:db8::1/api", True, "not a web address we can read"),
    ("acme.halopsa.com]/api", False, "not a web address we can read"),
    ("mailto:it@acme.com", False, "user name"),
    ("https://user:pw@acme.halopsa.com/api", False, "user name"),
    ("user:pw@acme.halopsa.com", False, "user name"),
    ("https://acme.halopsa.com@evil.example.com/", False, "user name"),
    ("http://acme.halopsa.com/api", False, "https://"),
    ("https://127.0.0.1/api", False, "not an IP address"),
    ("https://10.0.0.1/api", False, "not an IP address"),
    ("169.254.169.254", False, "not an IP address"),
    ("https://[::1]/api", False, "not an IP address"),
    ("https://[::ffff:127.0.0.1]/api", False, "not an IP address"),
    ("https://localhost/api", False, "not a public internet address"),
    ("https://halo/api", False, "not a public internet address"),
    ("https://halo.local/api", False, "not a public internet address"),
    ("https://halo.internal/api", False, "not a public internet address"),
    ("https://halo.corp/api", False, "not a public internet address"),
    ("https://app.localhost/api", False, "not a public internet address"),
    ("https://127.1/api", False, "not a public internet address"),
    ("https://0x7f.1/api", False, "not a public internet address"),
    ("https://acme_halo.example.com", False, "not a valid host name"),
    ("https://-acme.halopsa.com", False, "not a valid host name"),
    ("https://acme.halopsa.com:0/api", False, "port"),
    ("https://acme.halopsa.com:99999/api", False, "port"),
    ("https:///api", False, "no host name"),
    ("https://halo.example.com/ha%2Flo/api", False, "path"),
]


@pytest.mark.parametrize(("pasted", "allow_private", "expected"), ACCEPTED)
def test_it_normalizes_resource_servers(pasted: str, allow_private: bool, expected: str) -> None:
    assert normalize_resource_server(pasted, allow_private=allow_private) == expected


@pytest.mark.parametrize(("pasted", "allow_private", "says"), REFUSED)
def test_it_refuses_unusable_resource_servers(pasted: str, allow_private: bool, says: str) -> None:
    with pytest.raises(ValidationError) as info:
        normalize_resource_server(pasted, allow_private=allow_private)
    assert says in info.value.messages[0]


def test_it_tells_the_customer_what_to_paste_instead() -> None:
    with pytest.raises(ValidationError) as info:
        normalize_resource_server("", allow_private=False)
    message = info.value.messages[0]
    assert "Configuration > Integrations > Halo API" in message
    assert "https://yourcompany.halopsa.com/api" in message


def test_it_accepts_private_ip_literals_only_when_allowed() -> None:
    assert normalize_resource_server("http://[::1]:8000", allow_private=True) == "http://[::1]:8000"
    with pytest.raises(ValidationError):
        normalize_resource_server("https://[::1]:8000", allow_private=False)


@pytest.mark.parametrize(
    ("pasted", "expected"),
    [
        ("https://acme.halopsa.com/auth", "https://acme.halopsa.com/auth"),
        ("https://acme.halopsa.com/auth/", "https://acme.halopsa.com/auth"),
        ("https://acme.halopsa.com/auth/token", "https://acme.halopsa.com/auth"),
        ("https://acme.halopsa.com/auth/token?tenant=acme", "https://acme.halopsa.com/auth"),
        ("https://auth.haloservicedesk.com", "https://auth.haloservicedesk.com"),
        ("https://auth.haloservicedesk.com/token", "https://auth.haloservicedesk.com"),
        ("auth.haloservicedesk.com/acme/auth/", "https://auth.haloservicedesk.com/acme/auth"),
        ("HTTPS://Auth.HaloServiceDesk.com:443/Acme", "https://auth.haloservicedesk.com/Acme"),
    ],
)
def test_it_normalizes_auth_servers_keeping_their_path(pasted: str, expected: str) -> None:
    assert normalize_auth_server(pasted, allow_private=False) == expected


@pytest.mark.parametrize(
    "pasted",
    [
        "http://auth.haloservicedesk.com",
        "https://localhost/auth",
        "https://10.1.2.3/auth",
        "",
        "https://[auth.halopsa.com/auth",
    ],
)
def test_it_refuses_auth_servers_by_the_same_rules(pasted: str) -> None:
    with pytest.raises(ValidationError):
        normalize_auth_server(pasted, allow_private=False)


def test_it_allows_a_sandbox_auth_server_in_development() -> None:
    url = normalize_auth_server("http://127.0.0.1:8000/sandbox/halo/auth/", allow_private=True)
    assert url == "http://127.0.0.1:8000/sandbox/halo/auth"


@pytest.mark.parametrize(
    ("base_url", "origin"),
    [
        ("https://acme.halopsa.com", "https://acme.halopsa.com"),
        ("https://halo.example.com/halo", "https://halo.example.com"),
        ("https://acme.halopsa.com:8443", "https://acme.halopsa.com:8443"),
        ("http://127.0.0.1:8000/sandbox/halo", "http://127.0.0.1:8000"),
        ("https://[::1]:8443", "https://[::1]:8443"),
    ],
)
def test_it_gives_the_origin_for_frame_ancestors(base_url: str, origin: str) -> None:
    assert origin_of(base_url) == origin


def test_it_derives_the_api_and_auth_addresses() -> None:
    assert api_base("https://halo.example.com/halo") == "https://halo.example.com/halo/api"
    assert default_auth_server("https://acme.halopsa.com") == "https://acme.halopsa.com/auth"
