from __future__ import annotations

import pytest

from integrations.sandbox import services
from tests.integrations.sandbox.helpers import API, Api, fetch_token

pytestmark = pytest.mark.django_db


def test_it_counts_requests_per_endpoint(client, api: Api) -> None:
    fetch_token(client)
    api.get("Tickets/1001")
    api.get("Tickets/1002")
    api.get("Agent/me")
    api.post("Actions", [{"ticket_id": 1001, "outcome": "Private Note", "note": "x"}])
    api.get("Actions", ticket_id=1001)
    client.get(API + "Users/201")  # no token: still logged
    assert services.request_counts() == {
        "POST auth/token": 1,
        "GET Tickets/{id}": 2,
        "GET Agent/me": 1,
        "POST Actions": 1,
        "GET Actions": 1,
        "GET Users/{id}": 1,
    }


def test_it_logs_method_endpoint_status_and_time(client, api: Api) -> None:
    api.get("Tickets/1001")
    api.get("Tickets/999")
    client.get(API + "Agent/me")
    log = services.request_log()
    assert [(e["method"], e["endpoint"], e["status"]) for e in log] == [
        ("GET", "Tickets/{id}", 200),
        ("GET", "Tickets/{id}", 404),
        ("GET", "Agent/me", 401),
    ]
    assert all(e["at"] is not None and e["duration_ms"] >= 0 for e in log)


def test_it_logs_unknown_routes_together(api: Api) -> None:
    api.get("Nonsense")
    api.get("Clients/12")
    assert services.request_counts() == {"GET {unknown}": 2}


def test_it_clears_the_log(api: Api) -> None:
    api.get("Tickets/1001")
    services.clear_log()
    assert services.request_counts() == {}
    assert services.request_log() == []


def test_it_returns_the_latest_entries_oldest_first(api: Api) -> None:
    for ticket_id in (1001, 1002, 1003):
        api.get(f"Tickets/{ticket_id}")
    api.get("Agent/me")
    assert [e["endpoint"] for e in services.request_log(limit=2)] == ["Tickets/{id}", "Agent/me"]


def test_it_costs_few_queries_a_request(api: Api, django_assert_max_num_queries) -> None:
    api.get("Tickets/1001")  # seeds and warms up
    # faults, token, ticket, log insert: the benchmarks hit this thousands of times.
    with django_assert_max_num_queries(4):
        assert api.get("Tickets/1001").status_code == 200
