"""Halo's client list, for the page that picks the clients a provider serves.

A read, not a write (those are in services.py): one Halo call per search or page,
none when the page only shows the clients already picked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrations.halo.client import HaloClient
from integrations.models import HaloConnection
from mspprocess.core.models import Tenant
from mspprocess.errors import ReadableError
from mspprocess.parsing import INT32_MAX

PAGE_SIZE = 50


class HaloNotConnected(ReadableError):
    pass


@dataclass(frozen=True)
class HaloClientRow:
    id: int
    name: str
    inactive: bool = False


@dataclass(frozen=True)
class HaloClientPage:
    clients: list[HaloClientRow]
    total: int
    page: int
    page_size: int

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.total

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def search(tenant: Tenant, text: str, page: int = 1) -> HaloClientPage:
    """One page of the workspace's Halo clients named like `text`: one Halo call.

    Raises HaloNotConnected, or HaloError (HaloBusy when Halo's limit says wait; a
    403 names the read:customers permission): its str() is the message and the fix.
    """
    conn = HaloConnection.objects.filter(tenant=tenant).first()
    if conn is None or not conn.has_credentials:
        raise HaloNotConnected(
            "Connect your Halo first: the clients to pick from come from Halo's client list."
        )
    with HaloClient(conn.credentials()) as client:
        items, total = client.clients(text, page, PAGE_SIZE)
    rows = [row for item in items if (row := _client_row(item)) is not None]
    return HaloClientPage(rows, total, max(page, 1), PAGE_SIZE)


def _client_row(item: dict[str, Any]) -> HaloClientRow | None:
    ident, name = item.get("id"), item.get("name")
    if not isinstance(ident, int) or isinstance(ident, bool) or not 0 < ident <= INT32_MAX:
        return None  # not a client we could store (Halo's own lists hold none)
    if not isinstance(name, str) or not name.strip():
        name = f"Client {ident}"
    return HaloClientRow(ident, name.strip()[:200], item.get("inactive") is True)
