"""identity/halo_clients.py: Halo's client list for the picker, one call per page."""

from __future__ import annotations

import pytest

from identity import halo_clients
from integrations.halo.errors import HaloBusy
from integrations.sandbox import services as halo_sandbox
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db
live = pytest.mark.django_db(transaction=True)


def test_it_says_to_connect_halo_first() -> None:
    with pytest.raises(halo_clients.HaloNotConnected, match="Connect your Halo first"):
        halo_clients.search(TenantFactory(), "kest")


@live
def test_it_searches_halos_clients_with_one_call(live_halo) -> None:
    tenant = TenantFactory()
    live_halo.connect(tenant)
    page = halo_clients.search(tenant, "kest")
    assert [(c.id, c.name) for c in page.clients] == [(12, "Kestrel Logistics")]
    assert page.total == 1 and not page.has_next and not page.has_previous
    assert halo_sandbox.request_counts()["GET Client"] == 1


@live
def test_it_raises_halo_busy_with_when_to_try_again(live_halo) -> None:
    tenant = TenantFactory()
    conn = live_halo.connect(tenant)
    conn.call_share = 0
    conn.save(update_fields=["call_share"])
    with pytest.raises(HaloBusy, match=r"Halo is busy: .* Try again in \d+ seconds\."):
        halo_clients.search(tenant, "kest")


@live
def test_it_names_the_permission_halo_wants_for_clients(live_halo) -> None:
    tenant = TenantFactory()
    live_halo.connect(tenant)
    halo_sandbox.set_permissions(live_halo.client_id, ["read:tickets", "edit:tickets"])
    with pytest.raises(Exception, match="read:customers") as refused:
        halo_clients.search(tenant, "")
    assert type(refused.value).__name__ == "MissingPermission"


def test_it_skips_records_it_could_not_store() -> None:
    rows = [
        halo_clients._client_row({"id": 12, "name": " Kestrel "}),
        halo_clients._client_row({"id": "12", "name": "text id"}),
        halo_clients._client_row({"id": 2**31, "name": "too big"}),
        halo_clients._client_row({"id": 14}),
    ]
    assert rows == [
        halo_clients.HaloClientRow(12, "Kestrel"),
        None,
        None,
        halo_clients.HaloClientRow(14, "Client 14"),
    ]
