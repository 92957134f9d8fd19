from __future__ import annotations

import json
import time

import pytest

from integrations.sandbox import faults, services
from integrations.sandbox.models import SandboxToken
from integrations.sandbox.replies import RATE_LIMIT_MESSAGE
from tests.integrations.sandbox.helpers import Api, fetch_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """Record the sandbox's sleeps instead of waiting them out."""
    recorded: list[float] = []
    monkeypatch.setattr(faults, "sleep", recorded.append)
    return recorded


def test_it_adds_latency_to_every_reply(api: Api) -> None:
    services.set_faults(latency_ms=80)
    for _ in range(2):
        started = time.monotonic()
        assert api.get("Tickets/1001").status_code == 200
        assert time.monotonic() - started >= 0.08


def test_it_keeps_api_faults_off_the_token_endpoint(client, api: Api, sleeps) -> None:
    services.set_faults(latency_ms=250, status=500, status_count=None)
    assert fetch_token(client).status_code == 200
    assert sleeps == [0]
    assert api.get("Tickets/1001").status_code == 500
    assert sleeps == [0, 0.25]


@pytest.mark.parametrize("status", [401, 403, 429, 500])
def test_it_fails_the_next_n_replies(api: Api, status: int) -> None:
    services.set_faults(status=status, status_count=2)
    assert [api.get("Tickets/1001").status_code for _ in range(3)] == [status, status, 200]
    assert services.active_faults() == []


def test_it_counts_down_what_is_left(api: Api) -> None:
    services.set_faults(status=500, status_count=3)
    api.get("Tickets/1001")
    assert services.active_faults()[0]["remaining"] == 2
    api.get("Agent/me")
    assert services.active_faults()[0]["remaining"] == 1


def test_it_shapes_injected_errors_like_halo(api: Api) -> None:
    services.set_faults(status=429, status_count=None)
    assert api.get("Tickets/1001").json() == {"Message": RATE_LIMIT_MESSAGE}
    services.set_faults(status=401)
    assert api.get("Tickets/1001").json()["error"] == "invalid_token"
    services.set_faults(status=403)
    assert api.get("Tickets/1001").content == b""  # Halo's 403s carry no JSON
    services.set_faults(status=500)
    page = api.get("Tickets/1001")
    assert page["Content-Type"].startswith("text/html")
    assert b"Server Error" in page.content
    services.set_faults(status=503)
    assert api.get("Tickets/1001")["Content-Type"].startswith("text/html")


def test_it_fails_every_reply_until_cleared(api: Api) -> None:
    services.set_faults(status=500, status_count=None)
    assert [api.get("Tickets/1001").status_code for _ in range(3)] == [500, 500, 500]
    services.clear_faults()
    assert api.get("Tickets/1001").status_code == 200


def test_it_fails_the_token_endpoint_when_told_to(client, api: Api) -> None:
    services.set_faults(status=401, scope="token")
    response = fetch_token(client)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert api.get("Tickets/1001").status_code == 200
    assert fetch_token(client).status_code == 200


def test_it_fails_both_with_scope_all(client, api: Api) -> None:
    services.set_faults(status=500, status_count=2, scope="all")
    assert fetch_token(client).status_code == 500
    assert api.get("Tickets/1001").status_code == 500
    assert api.get("Tickets/1001").status_code == 200


def test_it_times_out_the_next_replies(api: Api, sleeps) -> None:
    services.set_faults(timeout_seconds=30, timeout_count=1)
    assert api.get("Tickets/1001").status_code == 200
    assert api.get("Tickets/1001").status_code == 200
    assert sleeps == [30, 0]


def test_it_really_sleeps_through_a_timeout(api: Api) -> None:
    services.set_faults(timeout_seconds=0.1)
    started = time.monotonic()
    api.get("Agent/me")
    assert time.monotonic() - started >= 0.1


def test_it_malforms_the_next_replies(api: Api) -> None:
    services.set_faults(malformed=True, malformed_count=1)
    broken = api.get("Tickets/1001")
    assert broken.status_code == 200
    assert broken["Content-Type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.content)
    assert api.get("Tickets/1001").json()["id"] == 1001


def test_it_malforms_token_replies(client, application) -> None:
    services.set_faults(malformed=True, scope="token")
    with pytest.raises(json.JSONDecodeError):
        json.loads(fetch_token(client).content)


def test_it_shortens_token_lifetimes(client, application) -> None:
    services.set_faults(expires_in=5)
    before = time.time()
    assert fetch_token(client).json()["expires_in"] == 5
    expires = SandboxToken.objects.get().expires.timestamp()
    assert before + 4 <= expires <= time.time() + 5


def test_it_combines_faults_of_different_scopes(client, api: Api, sleeps) -> None:
    services.set_faults(latency_ms=100)
    services.add_fault("status", 429, count=1, scope="token")
    assert fetch_token(client).status_code == 429
    assert api.get("Tickets/1001").status_code == 200
    assert sleeps == [0, 0.1]


def test_it_replaces_the_faults_in_force(api: Api) -> None:
    services.set_faults(status=500, status_count=None)
    services.set_faults(latency_ms=1)
    assert [f["kind"] for f in services.active_faults()] == ["latency"]
    assert api.get("Tickets/1001").status_code == 200


def test_it_logs_injected_statuses(api: Api) -> None:
    services.set_faults(status=429)
    api.get("Tickets/1001")
    assert services.request_log()[-1]["status"] == 429


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [(("status", 200), {}), (("nap", 1), {}), (("latency", 1), {"scope": "web"}),
     (("status", 500), {"count": 0})],
)  # fmt: skip
def test_it_refuses_faults_that_make_no_sense(db, args, kwargs) -> None:
    with pytest.raises(ValueError):
        services.add_fault(*args, **kwargs)
    assert services.active_faults() == []
