"""Connections to Halo are reused between clients; cookies never are."""

from __future__ import annotations

import pytest

from integrations.halo.client import HaloClient, shared_session
from tests.integrations.halo.helpers import API, add_token, calls_to

pytestmark = pytest.mark.django_db


def test_it_reuses_one_session_per_thread(creds, settings) -> None:
    settings.HALO_KEEP_ALIVE = True
    with HaloClient(creds) as first, HaloClient(creds) as second:
        assert first._http is second._http is shared_session()


def test_it_keeps_no_cookie_from_halo(rsps, creds, settings) -> None:
    settings.HALO_KEEP_ALIVE = True  # the shared session, as in production
    add_token(rsps)
    rsps.get(API + "/Agent/me", json={"id": 1, "name": "A"}, headers={"Set-Cookie": "s=abc"})
    with HaloClient(creds) as client:
        client.me()
        client.me()
    assert len(shared_session().cookies) == 0
    assert all("Cookie" not in c.request.headers for c in calls_to(rsps, API))


def test_it_reads_the_cached_token_once_per_client(rsps, creds, monkeypatch) -> None:
    from integrations.halo import tokens

    add_token(rsps)
    rsps.get(API + "/Agent/me", json={"id": 1, "name": "A"})
    reads = []
    real_cached = tokens.cached
    monkeypatch.setattr(tokens, "cached", lambda c: reads.append(1) or real_cached(c))
    with HaloClient(creds) as client:
        client.me()
        client.me()
        client.me()
    assert len(reads) <= 2  # the first lookup (and the re-check under the lock)
