"""Halo-hosted's rate limit: 300 requests per rolling 5 minutes, per instance."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from integrations.sandbox import ratelimit, services
from integrations.sandbox.replies import RATE_LIMIT_MESSAGE
from tests.integrations.sandbox.helpers import CLIENT_ID, Api, fetch_token

pytestmark = pytest.mark.django_db


def test_it_refuses_the_request_past_a_lowered_limit(api: Api, settings) -> None:
    settings.HALO_SANDBOX_RATE_LIMIT = 5
    assert [api.get("Tickets/1001").status_code for _ in range(5)] == [200] * 5
    refused = api.get("Tickets/1001")
    assert refused.status_code == 429
    assert refused.json() == {"Message": RATE_LIMIT_MESSAGE}
    assert "Retry-After" not in refused


def test_it_refuses_the_301st_request_at_halos_default(api: Api) -> None:
    # 299 requests already counted in this window, as if sent a moment ago.
    for _ in range(299):
        assert ratelimit.admit()
    assert api.get("Tickets/1001").status_code == 200  # the 300th
    assert api.get("Tickets/1001").status_code == 429  # the 301st
    assert services.rate_limit_used() == 300


def test_it_counts_token_requests_and_every_application(client, api: Api) -> None:
    services.set_rate_limit(3)
    services.create_application("other", "other-secret")
    other = Api(client, "Bearer " + services.issue_token("other"))
    assert fetch_token(client).status_code == 200
    assert api.get("Agent/me").status_code == 200
    assert other.get("Agent/me").status_code == 200
    assert fetch_token(client).status_code == 429
    assert other.get("Agent/me").status_code == 429
    assert services.request_counts()["POST auth/token"] == 2  # refusals are logged


def test_it_lets_requests_in_again_once_old_ones_leave_the_window(settings) -> None:
    settings.HALO_SANDBOX_RATE_LIMIT = 2
    settings.HALO_SANDBOX_RATE_WINDOW_SECONDS = 60  # 2-second buckets
    assert ratelimit.admit(now=1000) and ratelimit.admit(now=1030)
    assert not ratelimit.admit(now=1059)
    assert ratelimit.used(now=1059) == 2  # the refused one does not count
    assert ratelimit.admit(now=1061)  # the request at 1000 has left the window
    assert not ratelimit.admit(now=1062)


def test_it_keeps_the_count_in_the_cache(api: Api, settings) -> None:
    settings.HALO_SANDBOX_RATE_LIMIT = 2
    api.get("Agent/me")
    api.get("Agent/me")
    assert api.get("Agent/me").status_code == 429
    cache.clear()  # where every process reads it: no count, no refusal
    assert api.get("Agent/me").status_code == 200


def test_it_can_be_switched_off_and_reset(api: Api) -> None:
    services.set_rate_limit(1)
    assert api.get("Agent/me").status_code == 200
    assert api.get("Agent/me").status_code == 429
    services.set_rate_limit(None)
    assert api.get("Agent/me").status_code == 200
    services.set_rate_limit(0)
    assert api.get("Agent/me").status_code == 429
    services.reset()
    services.create_application(CLIENT_ID, "s")
    bearer = "Bearer " + services.issue_token(CLIENT_ID)
    assert (
        api.client.get("/sandbox/halo/api/Agent/me", HTTP_AUTHORIZATION=bearer).status_code == 200
    )
    assert services.rate_limit_used() == 1


def test_it_refuses_a_negative_limit(db) -> None:
    with pytest.raises(ValueError):
        services.set_rate_limit(-1)
