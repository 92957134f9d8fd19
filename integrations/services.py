"""What the integration page, the admin and the commands do to a connection."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from django.db import transaction

from integrations import discovery
from integrations.halo import budget
from integrations.halo.check import ConnectionTestResult, run_connection_test
from integrations.models import HaloConnection
from integrations.signals import connection_tested
from mspprocess.core import audit
from mspprocess.core.models import Tenant

if TYPE_CHECKING:
    from django.http import HttpRequest

logger = logging.getLogger(__name__)
Action = audit.AuditEvent.Action


def connection_for(tenant: Tenant) -> HaloConnection:
    """The tenant's connection, created on first use (its tab with it: tickettab)."""
    try:
        return tenant.halo_connection
    except HaloConnection.DoesNotExist:
        pass
    conn, _ = HaloConnection.objects.get_or_create(tenant=tenant)
    return conn


def save_credentials(
    conn: HaloConnection,
    data: dict[str, Any],
    by: Any,
    *,
    request: HttpRequest | None = None,
) -> list[str]:
    """Store what the customer entered; returns the changed field names (never values).

    `by` is the user who entered them (None for the system); it goes in the audit trail.
    """
    changed = conn.set_credentials(
        base_url=data["resource_server"],
        client_id=data["client_id"],
        client_secret=data.get("client_secret") or None,
        auth_server=data.get("auth_server", ""),
        halo_tenant=data.get("halo_tenant", ""),
        by=by,
    )
    if changed:
        with transaction.atomic():
            conn.save()
            audit.record(
                conn.tenant,
                by,
                Action.CONNECTION_CREDENTIALS_CHANGED,
                fields=changed,
                request=request,
            )
        logger.info(
            "halo connection %s credentials changed: %s", conn.pk, ", ".join(sorted(changed))
        )
    return changed


def test_connection(
    conn: HaloConnection, *, actor: Any = None, request: HttpRequest | None = None
) -> ConnectionTestResult:
    """Run the connection test against Halo and store its outcome.

    When signing in fails and the admin named no Authorisation Server or tenant,
    Halo's authinfo is asked where it signs in; if signing in there works, the
    connection keeps those values (audited as a credentials change by `actor`).
    """
    result = run_connection_test(conn.credentials())
    if result.sign_in_failed and not (conn.auth_server or conn.halo_tenant):
        result = _with_discovered_sign_in(conn, result, actor=actor, request=request)
    if result.busy:
        # Halo's limit said wait: nothing was proven either way, so a connected
        # connection stays connected and its last real result stays shown.
        audit.record(conn.tenant, actor, Action.CONNECTION_TESTED, detail="busy", request=request)
        logger.info("halo connection %s not tested: Halo is busy", conn.pk)
        return result
    conn.record_test(result)
    with transaction.atomic():
        conn.save(
            update_fields=[
                "last_checked",
                "check_results",
                "status",
                "last_error",
                "agent_name",
                "permissions_ok",
            ]
        )
        audit.record(
            conn.tenant,
            actor,
            Action.CONNECTION_TESTED,
            detail="connected" if result.ok else "failing",
            request=request,
        )
    logger.info("halo connection %s tested: %s", conn.pk, "ok" if result.ok else "failing")
    # A test can finish onboarding (e.g. custom tabs allowed at last).
    connection_tested.send(sender=HaloConnection, connection=conn)
    return result


def _with_discovered_sign_in(
    conn: HaloConnection,
    failed: ConnectionTestResult,
    *,
    actor: Any,
    request: HttpRequest | None,
) -> ConnectionTestResult:
    found = discovery.ask_halo(conn.credentials())
    if found is None:
        return failed
    creds = replace(
        conn.credentials(), auth_server=found.auth_server, halo_tenant=found.halo_tenant
    )
    retried = run_connection_test(creds)
    if retried.sign_in_failed or retried.busy:
        return failed  # the admin's own values failed first: that error is theirs to read
    data = {
        "resource_server": conn.base_url,
        "client_id": conn.client_id,
        "auth_server": found.auth_server,
        "halo_tenant": found.halo_tenant,
    }
    save_credentials(conn, data, by=actor, request=request)
    retried.discovered_auth_server, retried.discovered_tenant = found.auth_server, found.halo_tenant
    logger.info("halo connection %s: sign-in found through authinfo", conn.pk)
    return retried


def set_call_share(
    conn: HaloConnection, share: int, *, actor: Any = None, request: HttpRequest | None = None
) -> bool:
    """Change how much of the Halo instance's API limit we may use; False if unchanged."""
    if conn.call_share == share:
        return False
    conn.call_share = share
    with transaction.atomic():
        conn.save(update_fields=["call_share", "updated"])
        audit.record(
            conn.tenant,
            actor,
            Action.CONNECTION_CALL_SHARE_CHANGED,
            detail=str(share),
            request=request,
        )
    return True


def call_usage(conn: HaloConnection) -> dict[str, int]:
    """What the integration page and the console show of the Halo instance's budget."""
    spent = budget.Budget(budget.instance_of(conn.base_url), conn.call_share)
    return {
        "used": spent.used(),
        "share": conn.call_share,
        "limit": budget.HALO_LIMIT,
        "limited_today": spent.limited_today(),
    }
