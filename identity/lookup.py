"""Which identity provider serves a Halo client: asked on every first open of a tab.

Most workspaces have no provider, and the ticket partial is the app's hottest page
(its CPU is held to three times that of /healthz), so the tab's question is answered from a
process-local copy of the workspace's mapping, read again after MEMO_SECONDS. A
mapping changed in another process shows in the tab's button within that time; the
push itself always reads the database (`fresh=True`), so a removed provider is
never used.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from identity.models import IdentityProvider, ProviderClient
from mspprocess.core.models import Tenant

MEMO_SECONDS = 30.0


@dataclass(frozen=True)
class PushOption:
    """What the tab's button needs to know of a client's provider."""

    provider_id: int
    name: str
    app_name: str


# tenant id → (read again after, {Halo client id: option}); bounded by workspaces.
_memo: dict[int, tuple[float, dict[int, PushOption]]] = {}


def push_option(tenant: Tenant, halo_client_id: int) -> PushOption | None:
    """The provider of a contact's Halo client, for the tab's button (may be 30 s old)."""
    if not halo_client_id:
        return None
    now = time.monotonic()
    memo = _memo.get(tenant.pk)
    if memo is None or memo[0] <= now:
        rows = ProviderClient.objects.filter(tenant=tenant).select_related("provider")
        options = {
            row.halo_client_id: PushOption(
                row.provider_id, row.provider.name, row.provider.app_name
            )
            for row in rows
        }
        memo = _memo[tenant.pk] = (now + MEMO_SECONDS, options)
    return memo[1].get(halo_client_id)


def provider_for_client(tenant: Tenant, halo_client_id: int) -> IdentityProvider | None:
    """The provider of a contact's Halo client, read now (for a push)."""
    if not halo_client_id:
        return None
    row = next(
        iter(
            ProviderClient.objects.select_related("provider").filter(
                tenant=tenant, halo_client_id=halo_client_id
            )[:1]
        ),
        None,
    )
    return row.provider if row else None


def forget(tenant_id: int | None = None) -> None:
    """Drop the copies (one workspace's after a change here, or all, for tests)."""
    if tenant_id is None:
        _memo.clear()
    else:
        _memo.pop(tenant_id, None)
