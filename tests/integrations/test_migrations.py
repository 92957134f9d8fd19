"""Data migrations, run from the schema before them with rows in it."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from integrations.models import HaloConnection

BEFORE = [("integrations", "0005_call_share")]
AFTER = [("integrations", "0006_tab_key_digest_salted_hmac")]


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
def test_it_recomputes_tab_key_digests_so_every_tab_url_still_opens(back_to_latest) -> None:
    old = migrate(BEFORE)
    tenant = old.get_model("mspprocess", "Tenant").objects.create(name="Acme", slug="acme")
    # What the digest was before: a hand-made HMAC of "tab-key:<key>".
    legacy = hmac.new(settings.SECRET_KEY.encode(), b"tab-key:the-key", hashlib.sha256)
    old.get_model("integrations", "HaloConnection").objects.create(
        tenant=tenant, tab_key="the-key", tab_key_digest=legacy.hexdigest()
    )
    untabbed = old.get_model("mspprocess", "Tenant").objects.create(name="Globex", slug="globex")
    old.get_model("integrations", "HaloConnection").objects.create(tenant=untabbed)

    migrate(AFTER)

    found = HaloConnection.objects.for_tab_key("the-key")
    assert found is not None and found.tenant.slug == "acme"
    assert HaloConnection.objects.get(tenant__slug="globex").tab_key_digest is None
