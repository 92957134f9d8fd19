from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection

pytestmark = pytest.mark.django_db


def test_it_is_ok_when_database_and_cache_answer(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    # The worker never ran in this test: reported, and late, yet not a 503.
    assert response.json()["outbox_worker"]["late"] is True


def test_it_names_the_database_when_it_fails(client, monkeypatch) -> None:
    def broken_cursor(*args, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["failed"] == ["database"]


def test_it_names_the_cache_when_it_fails(client, monkeypatch) -> None:
    def broken_set(*args, **kwargs):
        raise ConnectionError("cache is down")

    monkeypatch.setattr(cache, "set", broken_set)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["failed"] == ["cache"]


def test_it_shows_when_the_outbox_worker_last_ran_without_its_counts(client) -> None:
    from tickettab import heartbeat

    heartbeat.record("ok: 3 sent", interval=10)
    worker = client.get("/healthz").json()["outbox_worker"]
    assert worker["late"] is False
    assert worker["minutes_ago"] == 0
    assert worker["last_pass"] == "ok"
