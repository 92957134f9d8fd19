"""What an admin may paste as a Duo API hostname or an Okta org URL, in production and
where private addresses are allowed (the demo, the tests)."""

from __future__ import annotations

import pytest

from identity.addresses import (
    AddressError,
    DuoAddress,
    duo_address,
    normalize_duo_host,
    normalize_okta_url,
)
from mspprocess.errors import ReadableError

PRODUCTION = {"allow_private": False}
DEV = {"allow_private": True}


# -- Duo ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pasted", "stored"),
    [
        ("api-1a2b3c4d.duosecurity.com", "api-1a2b3c4d.duosecurity.com"),
        ("  API-1A2B3C4D.DuoSecurity.com  ", "api-1a2b3c4d.duosecurity.com"),
        ("https://api-1a2b3c4d.duosecurity.com/", "api-1a2b3c4d.duosecurity.com"),
        ("https://api-1a2b3c4d.duosecurity.com:443/admin", "api-1a2b3c4d.duosecurity.com"),
        ("api-1a2b3c4d.duosecurity.com.", "api-1a2b3c4d.duosecurity.com"),
        ("api-9f8e7d6c.duofederal.com", "api-9f8e7d6c.duofederal.com"),
    ],
)
def test_it_keeps_a_duo_api_hostname_as_duo_shows_it(pasted: str, stored: str) -> None:
    assert normalize_duo_host(pasted, **PRODUCTION) == stored
    assert duo_address(pasted, **PRODUCTION) == DuoAddress("https", stored, 443, "")


@pytest.mark.parametrize(
    ("pasted", "words"),
    [
        ("", "Enter the API hostname."),
        ("api-1a2b3c4d.duosecurity.com evil.com", "cannot contain spaces"),
        ("duosecurity.com", "“duosecurity.com” is not a Duo API hostname"),
        ("api-1a2b3c4d.duosecurity.com.evil.net", "is not a Duo API hostname"),
        ("admin-1a2b3c4d.duosecurity.com", "is not a Duo API hostname"),
        ("http://api-1a2b3c4d.duosecurity.com", "Duo's API is reached over https only"),
        ("https://api-1a2b3c4d.duosecurity.com:8443", "is not a Duo API hostname"),
        ("https://user:pw@api-1a2b3c4d.duosecurity.com", "user name or password"),
        ("127.0.0.1", "not an IP address"),
        ("http://127.0.0.1:8000/sandbox/duo", "not an IP address"),
        ("http://localhost:8000/sandbox/duo", "“localhost” is not a public internet address"),
        ("javascript:alert(1)", "must start with https://"),
        ("ftp://api-1a2b3c4d.duosecurity.com", "must start with https://"),
        ("https://[::1", "not an address we can read"),
    ],
)
def test_it_refuses_in_production_what_is_not_duos_api(pasted: str, words: str) -> None:
    with pytest.raises(AddressError) as refused:
        normalize_duo_host(pasted, **PRODUCTION)
    assert words in refused.value.message
    assert "api-XXXXXXXX.duosecurity.com" in refused.value.message or "Enter" in words


def test_it_takes_the_sandbox_url_where_private_addresses_are_allowed() -> None:
    stored = normalize_duo_host("http://127.0.0.1:8000/sandbox/duo/", **DEV)
    assert stored == "http://127.0.0.1:8000/sandbox/duo"
    assert normalize_duo_host("http://127.0.0.1:8000/sandbox/duo/auth/v2/check", **DEV) == stored
    assert duo_address(stored, **DEV) == DuoAddress("http", "127.0.0.1", 8000, "/sandbox/duo")
    assert duo_address("http://localhost/sandbox/duo", **DEV) == DuoAddress(
        "http", "localhost", 80, "/sandbox/duo"
    )
    # Duo's own hostnames are still stored bare.
    assert normalize_duo_host("https://api-1a2b3c4d.duosecurity.com/x", **DEV) == (
        "api-1a2b3c4d.duosecurity.com"
    )


def test_it_refuses_a_path_that_walks_up_even_where_private_addresses_are_allowed() -> None:
    for pasted in ("http://127.0.0.1:8000/sandbox/../admin", "http://127.0.0.1/a%00b"):
        with pytest.raises(AddressError, match="path in the address"):
            normalize_duo_host(pasted, **DEV)


def test_it_reads_the_setting_when_not_told(settings) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = True
    assert normalize_duo_host("http://127.0.0.1:8000/sandbox/duo") == (
        "http://127.0.0.1:8000/sandbox/duo"
    )
    assert normalize_okta_url("http://127.0.0.1:8000/sandbox/okta") == (
        "http://127.0.0.1:8000/sandbox/okta"
    )
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(AddressError):
        normalize_duo_host("http://127.0.0.1:8000/sandbox/duo")
    with pytest.raises(AddressError):
        normalize_okta_url("http://127.0.0.1:8000/sandbox/okta")


def test_it_raises_an_error_forms_and_pages_can_show() -> None:
    with pytest.raises(ValueError) as refused:
        normalize_duo_host("nope", **PRODUCTION)
    assert isinstance(refused.value, ReadableError)
    assert refused.value.message.startswith("“nope” is not a public internet address.")


# -- Okta -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pasted", "stored"),
    [
        ("oakfield.okta.com", "https://oakfield.okta.com"),
        ("https://Oakfield.Okta.com/", "https://oakfield.okta.com"),
        ("https://oakfield-admin.okta.com/admin/dashboard", "https://oakfield.okta.com"),
        ("oakfield-admin.oktapreview.com", "https://oakfield.oktapreview.com"),
        ("https://oakfield.okta-emea.com/api/v1/users", "https://oakfield.okta-emea.com"),
        ("https://login.oakfield.co.uk/app/UserHome", "https://login.oakfield.co.uk"),
        ("https://sso-admin.oakfield.co.uk", "https://sso-admin.oakfield.co.uk"),
        ("https://oakfield.okta.com:443", "https://oakfield.okta.com"),
    ],
)
def test_it_keeps_the_orgs_own_address(pasted: str, stored: str) -> None:
    assert normalize_okta_url(pasted, **PRODUCTION) == stored


@pytest.mark.parametrize(
    ("pasted", "words"),
    [
        ("", "Enter the Okta org URL."),
        ("http://oakfield.okta.com", "Okta is reached over https only"),
        ("https://oakfield.okta.com:8443", "An Okta org URL has no port number"),
        ("https://10.0.0.5", "not an IP address"),
        ("https://okta.internal", "“okta.internal” is not a public internet address"),
        ("https://oakfield", "is not a public internet address"),
        ("https://a@oakfield.okta.com", "user name or password"),
        ("https://oak_field.okta.com", "is not a valid host name"),
    ],
)
def test_it_refuses_in_production_what_is_not_a_public_https_org(pasted: str, words: str) -> None:
    with pytest.raises(AddressError) as refused:
        normalize_okta_url(pasted, **PRODUCTION)
    assert words in refused.value.message
    assert "https://yourcompany.okta.com" in refused.value.message


def test_it_takes_the_okta_sandbox_url_where_private_addresses_are_allowed() -> None:
    for pasted in (
        "http://127.0.0.1:8000/sandbox/okta",
        "http://127.0.0.1:8000/sandbox/okta/",
        "http://127.0.0.1:8000/sandbox/okta/api/v1/users",
    ):
        assert normalize_okta_url(pasted, **DEV) == "http://127.0.0.1:8000/sandbox/okta"
    assert normalize_okta_url("http://[::1]:8000/sandbox/okta", **DEV) == (
        "http://[::1]:8000/sandbox/okta"
    )
