from __future__ import annotations

import json

import pytest
import responses

from integrations.halo import tokens
from integrations.halo.check import ConnectionTestResult, PermissionResult, run_connection_test
from integrations.halo.credentials import HaloCredentials
from tests.integrations.halo.helpers import API, SECRET, TOKEN_URL, FakeDNS, add_token, calls_to

FIX_PREFIX = "In Halo, open Configuration > Integrations > Halo API > View Applications > "


def _halo(rsps: responses.RequestsMock, *, users_status: int = 200, types: object = None) -> None:
    rsps.get(API + "/Agent/me", json={"id": 3, "name": "MSP Process", "isdisabled": False})
    rsps.get(
        API + "/TicketType",
        json=types
        if types is not None
        else [
            {"id": 1, "name": "Incident", "allowall_iframe_customtabs": True},
            {"id": 2, "name": "Service Request", "allowall_iframe_customtabs": True},
        ],
    )
    if users_status == 200:
        rsps.get(API + "/Users", json={"record_count": 1, "users": [{"id": 9}]})
    else:
        rsps.get(API + "/Users", status=users_status, json={"Message": "Forbidden"})


def _perm(result: ConnectionTestResult, name: str) -> PermissionResult:
    [perm] = [p for p in result.permissions if p.name == name]
    return perm


def test_it_passes_a_healthy_connection(
    rsps: responses.RequestsMock, creds: HaloCredentials
) -> None:
    add_token(rsps)
    _halo(rsps)
    result = run_connection_test(creds)

    assert result.ok is True
    assert result.error == ""
    assert result.agent_name == "MSP Process"
    assert [(p.name, p.ok) for p in result.permissions] == [
        ("read:tickets", True),
        ("read:customers", True),
        ("edit:tickets", None),  # not checked: the test does not write to tickets
    ]
    assert "first verification note" in _perm(result, "edit:tickets").detail
    assert result.custom_tabs_allowed is True
    assert len(rsps.calls) == 4
    assert calls_to(rsps, API + "/Users")[0].request.url == API + "/Users?count=1"


def test_it_reports_a_missing_read_customers_with_the_fix(
    rsps: responses.RequestsMock, creds: HaloCredentials
) -> None:
    add_token(rsps)
    _halo(rsps, users_status=403)
    result = run_connection_test(creds)

    assert result.ok is False
    customers = _perm(result, "read:customers")
    assert customers.ok is False
    assert customers.symbol == "✗"
    assert customers.fix.startswith(FIX_PREFIX + "(your application) > Permissions, tick ")
    assert "tick read:customers" in customers.fix
    assert _perm(result, "read:tickets").symbol == "✓"
    assert len(rsps.calls) == 4


def test_it_reports_edit_tickets_missing_from_the_token(
    rsps: responses.RequestsMock, creds: HaloCredentials
) -> None:
    add_token(rsps, scope="read:tickets read:customers")
    _halo(rsps)
    result = run_connection_test(creds)

    assert result.ok is False
    edit = _perm(result, "edit:tickets")
    assert edit.ok is False
    assert "tick edit:tickets" in edit.fix


def test_it_accepts_the_all_scope(rsps: responses.RequestsMock, creds: HaloCredentials) -> None:
    add_token(rsps, scope="all")
    _halo(rsps)
    result = run_connection_test(creds)
    assert result.ok is True
    assert _perm(result, "edit:tickets").ok is None


def test_it_stops_at_rejected_credentials(
    rsps: responses.RequestsMock, creds: HaloCredentials
) -> None:
    rsps.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    _halo(rsps)
    result = run_connection_test(creds)

    assert result.ok is False
    assert result.error_kind == "BadCredentials"
    assert "Halo rejected the Client ID or Client Secret." in result.error
    assert "View Applications" in result.error
    assert SECRET not in result.error
    assert result.permissions == []
    assert len(rsps.calls) == 1


def test_it_stops_at_a_refused_address(
    rsps: responses.RequestsMock, dns: FakeDNS, creds: HaloCredentials
) -> None:
    dns.answers["acme.halopsa.com"] = ["192.168.0.10"]
    add_token(rsps)
    _halo(rsps)
    result = run_connection_test(creds)

    assert result.ok is False
    assert result.error_kind == "AddressRefused"
    assert "private network" in result.error
    assert len(rsps.calls) == 0


def test_it_reports_an_unreachable_halo_without_retrying(
    rsps: responses.RequestsMock, creds: HaloCredentials
) -> None:
    rsps.post(TOKEN_URL, status=503)
    result = run_connection_test(creds)
    assert result.ok is False
    assert result.error_kind == "Unavailable"
    assert len(rsps.calls) == 1


def test_it_stops_probing_after_a_failure(
    rsps: responses.RequestsMock, creds: HaloCredentials
) -> None:
    add_token(rsps)
    rsps.get(API + "/Agent/me", json={"id": 3, "name": "MSP Process"})
    rsps.get(API + "/TicketType", status=500)
    rsps.get(API + "/Users", json=[{"id": 9}])
    result = run_connection_test(creds)

    assert result.ok is False
    assert result.error_kind == "Unavailable"
    assert _perm(result, "read:tickets").ok is None
    assert _perm(result, "read:customers").ok is None
    assert len(rsps.calls) == 3  # no retries inside the test, no call after the failure


def test_it_never_makes_more_than_four_calls(
    rsps: responses.RequestsMock, creds: HaloCredentials
) -> None:
    # A token Halo refuses is neither renewed nor retried within the test.
    add_token(rsps)
    rsps.get(API + "/Agent/me", json={"id": 3, "name": "MSP Process"})
    rsps.get(API + "/TicketType", status=401)
    rsps.get(API + "/Users", status=429)
    result = run_connection_test(creds)
    assert result.ok is False
    assert result.error_kind == "BadCredentials"
    assert len(calls_to(rsps, TOKEN_URL)) == 1
    assert len(rsps.calls) <= 4


def test_it_proves_the_credentials_rather_than_a_cached_token(
    rsps: responses.RequestsMock, creds: HaloCredentials
) -> None:
    tokens.store(creds, tokens.Token("cached", tokens.now() + 3600))
    rsps.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    result = run_connection_test(creds)
    assert result.error_kind == "BadCredentials"


def test_it_lists_ticket_types_that_hide_custom_tabs(
    rsps: responses.RequestsMock, creds: HaloCredentials
) -> None:
    add_token(rsps)
    _halo(
        rsps,
        types=[
            {"id": 1, "name": "Incident", "allowall_iframe_customtabs": True},
            {"id": 2, "name": "Change", "allowall_iframe_customtabs": False},
        ],
    )
    result = run_connection_test(creds)
    assert result.custom_tabs_allowed is False
    assert result.ticket_types_without_tabs == ["Change"]


@pytest.mark.parametrize(
    "types",
    [
        [{"id": 1, "name": "Incident"}],  # the list reply left the field out
        [{"id": 1, "allowall_iframe_customtabs": False, "allowed_iframe_customtabs": [{"id": 4}]}],
    ],
)
def test_it_does_not_guess_about_custom_tabs(
    rsps: responses.RequestsMock, creds: HaloCredentials, types: list[dict]
) -> None:
    add_token(rsps)
    _halo(rsps, types=types)
    assert run_connection_test(creds).custom_tabs_allowed is None


def test_it_round_trips_through_json(rsps: responses.RequestsMock, creds: HaloCredentials) -> None:
    add_token(rsps)
    _halo(rsps, users_status=403)
    result = run_connection_test(creds)

    stored = json.loads(json.dumps(result.to_dict()))
    assert stored["permissions"][1] == {
        "name": "read:customers",
        "ok": False,
        "detail": "Halo refused access: the API application lacks read:customers.",
        "fix": _perm(result, "read:customers").fix,
    }
    assert stored == result.to_dict()  # nothing lost to JSON
