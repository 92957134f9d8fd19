"""No input to the Identity providers pages gives a 500, and a refused input changes
nothing: the forms (NUL bytes, 10,000-character strings, digits of other scripts),
the addresses' ids and kinds, the client picker's ids and names, and its search.

Property-based, with the shared strategies (tests/hostile.py). The connection test
a saved form runs is a stand-in here (test_pages.py tests the real one): these tests
are about parsing, and an address made of hostile text must never leave the machine.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identity import adapters
from identity.models import IdentityProvider, ProviderClient
from mspprocess.core.audit import AuditEvent
from mspprocess.core.models import Membership
from tests.factories import (
    AdminMembershipFactory,
    IdentityProviderFactory,
    OktaProviderFactory,
    ProviderClientFactory,
)
from tests.hostile import ANY_INPUT, HOSTILE, HOSTILE_QUICK, HUGE_NUMBER_TEXT, NOT_AN_ID, TEXT

pytestmark = pytest.mark.django_db

DUO_FIELDS = ("name", "duo_integration_key", "duo_secret_key", "duo_api_host", "match_field")
OKTA_FIELDS = ("name", "okta_org_url", "okta_api_token", "match_field")
GOOD_DUO = {
    "name": "Kestrel's Duo",
    "duo_integration_key": "DIABCDEFGHIJKLMNOPQR",
    "duo_secret_key": "a-good-secret-key",
    "duo_api_host": "api-1a2b3c4d.duosecurity.com",
    "match_field": "",
}
STORED = (
    *("name", "duo_integration_key", "duo_secret_key", "duo_api_host"),
    *("okta_org_url", "okta_api_token", "match_field"),
)


@pytest.fixture
def admin(client, monkeypatch) -> Membership:
    monkeypatch.setattr(adapters, "test_connection", lambda provider: "Connected (stand-in).")
    m = AdminMembershipFactory(tenant__name="Acme IT")
    client.force_login(m.user)
    return m


@pytest.fixture
def duo(admin) -> IdentityProvider:
    provider = IdentityProviderFactory(tenant=admin.tenant, name="Kestrel's Duo")
    ProviderClientFactory(provider=provider, halo_client_id=12, halo_client_name="Kestrel")
    return provider


def stored(provider: IdentityProvider) -> tuple[dict[str, Any], list[int], int]:
    provider = IdentityProvider.objects.get(pk=provider.pk)
    values = {name: getattr(provider, name) for name in STORED}
    clients = sorted(provider.clients.values_list("halo_client_id", flat=True))
    return values, clients, AuditEvent.objects.count()


def at(m: Membership, path: str) -> str:
    return f"/t/{m.tenant.slug}/identity/{path}"


# -- the provider forms ------------------------------------------------------------------


@HOSTILE
@given(field=st.sampled_from(DUO_FIELDS), value=ANY_INPUT)
def test_it_survives_any_value_of_one_duo_field(client, admin, duo, field, value) -> None:
    before = stored(duo)
    response = client.post(at(admin, f"{duo.pk}/"), GOOD_DUO | {field: value})
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # refused: the form again, with the reason
        assert response.context["form"].errors
        assert stored(duo) == before
    else:
        assert "\x00" not in IdentityProvider.objects.get(pk=duo.pk).name


@HOSTILE
@given(data=st.fixed_dictionaries({name: ANY_INPUT for name in OKTA_FIELDS}))
def test_it_survives_any_okta_form(client, admin, data) -> None:
    before = IdentityProvider.objects.count()
    response = client.post(at(admin, "new/okta/"), data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert response.context["form"].errors
        assert IdentityProvider.objects.count() == before


@pytest.mark.parametrize(
    "value", ["\x00", "DI\x00BCDEFGHIJKLMNOPQR", "x" * 10_000, "\u202eDIABCDEFGHIJKLMNOPQ"]
)
@pytest.mark.parametrize("field", DUO_FIELDS)
def test_it_refuses_nul_long_and_invisible_text_in_every_field(
    client, admin, duo, field: str, value: str
) -> None:
    before = stored(duo)
    response = client.post(at(admin, f"{duo.pk}/"), GOOD_DUO | {field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert stored(duo) == before
    if field == "duo_secret_key":
        assert value not in response.content.decode()


@pytest.mark.parametrize(
    "value", ["DI\uff11\uff12" + "A" * 16, "\u0663" * 20, "DI ABCDEFGHIJKLMNOPQ"]
)
def test_it_refuses_an_integration_key_of_other_digits(client, admin, duo, value: str) -> None:
    response = client.post(at(admin, f"{duo.pk}/"), GOOD_DUO | {"duo_integration_key": value})
    assert "starts with DI" in response.context["form"].errors["duo_integration_key"][0]


def test_it_never_echoes_a_refused_secret(client, admin) -> None:
    response = client.post(at(admin, "new/okta/"), {"okta_api_token": "00secret-typed-here"})
    assert response.status_code == 200
    assert "00secret-typed-here" not in response.content.decode()


# -- the addresses -----------------------------------------------------------------------


@HOSTILE_QUICK
@given(kind=TEXT)
def test_it_answers_404_to_any_unknown_kind(client, admin, kind) -> None:
    if kind in ("duo", "okta"):
        return
    for method in ("get", "post"):
        response = getattr(client, method)(at(admin, f"new/{quote(kind, safe='')}/"))
        assert response.status_code == 404
    assert not IdentityProvider.objects.filter(tenant=admin.tenant).exists()


@HOSTILE_QUICK
@given(ident=st.one_of(NOT_AN_ID, HUGE_NUMBER_TEXT))
def test_it_answers_404_to_ids_that_are_not_a_providers(client, admin, duo, ident) -> None:
    if ident.strip().lstrip("0") == str(duo.pk):
        return  # its own id
    for path in ("{}/", "{}/remove/", "{}/clients/", "{}/test/"):
        address = at(admin, path.format(quote(ident, safe="")))
        assert client.get(address).status_code in (404, 405)
        assert client.post(address).status_code == 404
    assert stored(duo)[1] == [12]


@pytest.mark.parametrize("path", ["{}/", "{}/remove/", "{}/clients/", "{}/test/"])
def test_it_answers_404_to_another_workspaces_provider(client, admin, path: str) -> None:
    theirs = OktaProviderFactory()
    address = at(admin, path.format(theirs.pk))
    assert client.get(address).status_code in (404, 405)
    assert client.post(address, {"client": ["12"], "name_12": "x"}).status_code == 404
    assert IdentityProvider.objects.filter(pk=theirs.pk).exists()
    assert not ProviderClient.objects.filter(provider=theirs).exists()


@pytest.mark.parametrize("ident", ["99999999999999999999", "9223372036854775808", "2147483648"])
def test_it_answers_404_to_ids_past_every_column(client, admin, ident: str) -> None:
    assert client.get(at(admin, f"{ident}/")).status_code == 404
    assert client.post(at(admin, f"{ident}/remove/")).status_code == 404


# -- the client picker -------------------------------------------------------------------


@HOSTILE
@given(ids=st.lists(ANY_INPUT, max_size=4), name=ANY_INPUT)
def test_it_survives_any_picked_clients(client, admin, duo, ids, name) -> None:
    before = stored(duo)
    data: dict[str, Any] = {"client": ids}
    data |= {f"name_{i}": name for i in ids if isinstance(i, str) and len(i) < 50}
    response = client.post(at(admin, f"{duo.pk}/clients/"), data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # refused: said why, nothing saved
        assert stored(duo) == before
    names = ProviderClient.objects.filter(provider=duo).values_list("halo_client_name", flat=True)
    assert all("\x00" not in n and len(n) <= 200 for n in names)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"client": ["abc"]}, "not a Halo client"),
        ({"client": ["2147483648"], "name_2147483648": "x"}, "not a Halo client"),
        ({"client": ["\uff11\uff12"]}, "not a Halo client"),
        ({"client": ["15"]}, "came without its name"),
        ({"client": ["15"], "name_15": "Bad\x00name"}, "came without its name"),
        ({"client": [str(i) for i in range(1, 502)]}, "at most 500"),
    ],
)
def test_it_refuses_picked_clients_it_cannot_read(client, admin, duo, data, message) -> None:
    before = stored(duo)
    response = client.post(at(admin, f"{duo.pk}/clients/"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert stored(duo) == before


def test_it_refuses_more_fields_than_django_reads_without_a_500(client, admin, duo) -> None:
    response = client.post(at(admin, f"{duo.pk}/clients/"), {"client": ["1"] * 1001})
    assert response.status_code == 400
    assert stored(duo)[1] == [12]


def test_it_clips_a_long_client_name_to_its_column(client, admin, duo) -> None:
    response = client.post(
        at(admin, f"{duo.pk}/clients/"), {"client": ["12", "15"], "name_15": "N" * 10_000}
    )
    assert response.status_code == 302
    name = ProviderClient.objects.get(provider=duo, halo_client_id=15).halo_client_name
    assert len(name) == 200 and name.endswith("…")


@HOSTILE_QUICK
@given(q=ANY_INPUT, page=ANY_INPUT)
def test_it_survives_any_search(client, admin, duo, q, page) -> None:
    # No Halo connection: a valid search says to connect Halo; an invalid one says why.
    response = client.get(at(admin, f"{duo.pk}/clients/"), {"q": q, "page": page})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="halo-not-connected"' in body
    if response.context["search"].is_valid():
        assert "Connect your Halo first" in body
    assert stored(duo)[1] == [12]
