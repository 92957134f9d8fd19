from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection

pytestmark = pytest.mark.django_db


def test_it_is_ok_when_database_and_cache_answer(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_it_names_the_database_when_it_fails(client, monkeypatch) -> None:
    def broken_cursor(*args, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "failed": ["database"]}


def test_it_names_the_cache_when_it_fails(client, monkeypatch) -> None:
    def broken_set(*args, **kwargs):
        raise ConnectionError("cache is down")

    monkeypatch.setattr(cache, "set", broken_set)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "failed": ["cache"]}
