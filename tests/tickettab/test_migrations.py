"""Data migrations, run from the schema before them with rows in it."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.crypto import salted_hmac

from tickettab import tabauth
from tickettab.models import Tab


def migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_latest():
    yield
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_it_recomputes_tab_key_digests_with_salted_hmac(back_to_latest) -> None:
    old = migrate([("integrations", "0005_call_share"), ("tickettab", "0005_worker_heartbeat")])
    tenant = old.get_model("mspprocess", "Tenant").objects.create(name="Acme", slug="acme")
    # What the digest was before: a hand-made HMAC of "tab-key:<key>".
    legacy = hmac.new(settings.SECRET_KEY.encode(), b"tab-key:the-key", hashlib.sha256)
    old.get_model("integrations", "HaloConnection").objects.create(
        tenant=tenant, tab_key="the-key", tab_key_digest=legacy.hexdigest()
    )

    new = migrate([("integrations", "0006_tab_key_digest_salted_hmac")])

    conn = new.get_model("integrations", "HaloConnection").objects.get(tenant__slug="acme")
    expected = salted_hmac("integrations.tab-key", "the-key", algorithm="sha256").hexdigest()
    assert conn.tab_key_digest == expected


@pytest.mark.django_db(transaction=True)
def test_it_moves_every_tab_to_its_own_model_and_keeps_its_url_working(back_to_latest) -> None:
    old = migrate(
        [
            ("integrations", "0006_tab_key_digest_salted_hmac"),
            ("tickettab", "0005_worker_heartbeat"),
        ]
    )
    Tenant = old.get_model("mspprocess", "Tenant")
    HaloConnection = old.get_model("integrations", "HaloConnection")
    seen = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    HaloConnection.objects.create(
        tenant=Tenant.objects.create(name="Acme", slug="acme"),
        base_url="https://acme.halopsa.com",
        tab_key="acme-key",
        tab_key_digest="a digest the move recomputes",
        tab_secret="acme-secret",
        tab_generation=3,
        tab_seen_at=seen,
        tab_problem="unsigned",
        tab_problem_detail="$HMAC",
    )
    HaloConnection.objects.create(tenant=Tenant.objects.create(name="Globex", slug="globex"))

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    tab = tabauth.tab_for_key("acme-key")
    assert tab is not None and tab.tenant.slug == "acme"
    assert (tab.secret, tab.generation, tab.seen_at) == ("acme-secret", 3, seen)
    assert (tab.problem, tab.problem_detail) == ("unsigned", "$HMAC")
    assert tab.connection is not None and tab.connection.base_url == "https://acme.halopsa.com"
    keyless = Tab.objects.get(tenant__slug="globex")
    assert (keyless.key, keyless.key_digest) == ("", None)
    assert Tab.objects.count() == 2
