"""Bench data, made with the ORM in the orchestrator (Django set up with the bench env).

One tenant, `bench`, connected to the sandbox over HTTP with a tab secret; more
tenants and longer contact histories are added later, for the query counts.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from integrations import services
from integrations.models import HaloConnection
from integrations.sandbox import services as sandbox
from integrations.sandbox.models import SandboxTicket, SandboxUser
from mspprocess.core.models import Membership, Tenant
from tickettab import tabauth
from tickettab.models import Tab, Verification

CLIENT_ID = "bench-client"
TICKET_ID = 1001  # the sandbox's happy path: user 201, with email and mobile
AGENT_ID = 2  # Priya Shah, the agent looking at tickets in the sandbox
FILLER_BATCH = 2000
UNUSABLE = make_password(None)  # filler admins never sign in


@dataclass(frozen=True)
class Bench:
    tenant_id: int
    slug: str
    conn_id: int
    tab_key: str
    tab_secret: str
    admin_user_id: int
    superuser_id: int

    @property
    def key_path(self) -> str:
        return f"/tab/{quote(self.tab_key, safe='')}"

    def entry_path(self, ticket_id: int = TICKET_ID, agent_id: int = AGENT_ID) -> str:
        """The tab URL as Halo fills it in for `agent_id`, signed with the tab secret."""
        signature = tabauth.agent_signature(self.tab_secret, str(agent_id))
        return (
            f"{self.key_path}/?ticket_id={ticket_id}&agent_id={agent_id}"
            f"&hmac={quote(signature, safe='')}"
        )

    def partial_path(self, ticket_id: int = TICKET_ID, *, fresh: bool = True) -> str:
        # fresh=1 ("Refresh from Halo") skips the tab's 60-second context cache: the
        # work of a first open, two Halo calls. Without it, a reopen within a minute.
        suffix = "&fresh=1" if fresh else ""
        return f"{self.key_path}/ticket/?ticket_id={ticket_id}{suffix}"

    def token(self) -> str:
        """What the entry page hands the browser for agent 2 (the same signed value)."""
        conn = HaloConnection.objects.select_related("tenant").get(pk=self.conn_id)
        identity = tabauth.TabIdentity(
            tenant_id=conn.tenant_id,
            generation=conn.tenant.tab.generation,
            kind="agent",
            id=AGENT_ID,
            name="Priya Shah",
        )
        return tabauth.issue_token(identity)


def _user(username: str, **flags: object) -> User:
    user = User(username=username, email=f"{username}@example.com", **flags)
    user.set_unusable_password()  # the bench signs in with force_login only
    user.save()
    return user


def seed(sandbox_base: str) -> Bench:
    """The bench tenant, connected to the sandbox at `sandbox_base` (…/sandbox/halo)."""
    sandbox.ensure_seeded()
    secret = secrets.token_urlsafe(24)
    sandbox.create_application(CLIENT_ID, secret, permissions=("all",))
    sandbox.set_custom_tabs_allowed(True)
    with transaction.atomic():
        superuser = _user("bench-super", is_staff=True, is_superuser=True)
        admin = _user("bench-admin")
        tenant = Tenant.objects.create(
            name="Bench MSP", slug="bench", status=Tenant.Status.ACTIVE, account_manager=superuser
        )
        Membership.objects.create(user=admin, tenant=tenant, role=Membership.Role.ADMIN)
    return connect(tenant, admin, superuser.pk, sandbox_base, CLIENT_ID, secret)


def connect(
    tenant: Tenant, admin: User, superuser_id: int, base: str, client_id: str, secret: str
) -> Bench:
    """Connect a bench tenant to the Halo at `base`; what the jobs need to reach it."""
    conn = services.connection_for(tenant)
    services.save_credentials(
        conn, {"resource_server": base, "client_id": client_id, "client_secret": secret}, by=None
    )
    return Bench(
        tenant_id=tenant.pk,
        slug=tenant.slug,
        conn_id=conn.pk,
        tab_key=conn.tenant.tab.key,
        tab_secret=conn.tenant.tab.secret,
        admin_user_id=admin.pk,
        superuser_id=superuser_id,
    )


def forget_token(bench: Bench) -> None:
    """A tenant with no cached token: new credentials version, as a credentials change
    does; every cache key of the connection (token, agent names) names the version."""
    conn = HaloConnection.objects.get(pk=bench.conn_id)
    conn.credentials_version += 1
    conn.save(update_fields=["credentials_version"])


def contacts_with_mobile(count: int) -> list[tuple[int, int, str]]:
    """(ticket id, user id, mobile) for `count` tickets whose end users all differ."""
    mobiles = dict(SandboxUser.objects.exclude(mobilenumber="").values_list("id", "mobilenumber"))
    found: list[tuple[int, int, str]] = []
    seen: set[int] = set()
    for ticket_id, user_id in SandboxTicket.objects.order_by("id").values_list("id", "user_id"):
        if user_id in mobiles and user_id not in seen and ticket_id != 1010:
            seen.add(user_id)
            found.append((ticket_id, user_id, mobiles[user_id]))
    return found[:count]


def add_filler_tenants(total: int) -> int:
    """Grow the number of tenants to `total`: each with an admin, a Halo connection in
    some onboarding state, and (one in ten) a finished verification."""
    have = Tenant.objects.count()
    managers = [
        User.objects.get_or_create(username=f"bench-am-{i}", defaults={"is_staff": True})[0]
        for i in range(3)
    ]
    start = have
    while have < total:
        n = min(FILLER_BATCH, total - have)
        numbers = range(start, start + n)
        with transaction.atomic():
            users = User.objects.bulk_create(
                [User(username=f"filler-admin-{i:05d}", password=UNUSABLE) for i in numbers]
            )
            tenants = Tenant.objects.bulk_create(
                [
                    Tenant(
                        name=f"Filler MSP {i:05d}",
                        slug=f"filler-{i:05d}",
                        status=Tenant.Status.ACTIVE if i % 3 else Tenant.Status.ONBOARDING,
                        account_manager=managers[i % len(managers)],
                    )
                    for i in numbers
                ]
            )
            Membership.objects.bulk_create(
                [
                    Membership(user=u, tenant=t, role=Membership.Role.ADMIN)
                    for u, t in zip(users, tenants, strict=True)
                ]
            )
            HaloConnection.objects.bulk_create(
                [_filler_connection(t, i) for i, t in enumerate(tenants)]
            )
            # bulk_create sends no post_save: the tabs (every fourth one seen) here.
            seen = timezone.now()
            Tab.objects.bulk_create(
                [Tab(tenant=t, seen_at=seen if i % 4 == 0 else None) for i, t in enumerate(tenants)]
            )
            Verification.objects.bulk_create(
                [_event(t, 201, Verification.Status.VERIFIED, 0) for t in tenants[::10]]
            )
        have += n
        start += n
    return Tenant.objects.count()


def _filler_connection(tenant: Tenant, i: int) -> HaloConnection:
    now = timezone.now()
    connected = i % 2 == 0
    return HaloConnection(
        tenant=tenant,
        base_url=f"https://{tenant.slug}.halopsa.example.com",
        client_id=f"client-{tenant.slug}",
        client_secret="filler-secret",  # noqa: S106 - fictional, never sent anywhere
        secret_changed_at=now,
        status=HaloConnection.Status.CONNECTED if connected else HaloConnection.Status.UNTESTED,
        last_checked=now if connected else None,
        permissions_ok=connected,
    )


def _event(tenant: Tenant | int, user_id: int, status: str, n: int) -> Verification:
    # Over two hours old: outside the send cooldown and hourly caps, and past the
    # shield window, so the history is long without changing what the tab may do.
    when = timezone.now() - timedelta(hours=2, minutes=n)
    method = Verification.Method.SMS if n % 2 else Verification.Method.EMAIL
    return Verification(
        tenant_id=tenant if isinstance(tenant, int) else tenant.pk,
        halo_user_id=user_id,
        contact_name="Alice Morgan",
        ticket_id=TICKET_ID,
        method=method,
        status=status,
        destination="a•••@kestrel.example.com",
        agent_name="Priya Shah",
        halo_agent_id=AGENT_ID,
        created=when,
        completed_at=when,
    )


def grow_history(bench: Bench, user_id: int, total: int) -> int:
    """Give the contact `total` past events (verified, expired, cancelled in turn)."""
    statuses = [
        Verification.Status.VERIFIED,
        Verification.Status.EXPIRED,
        Verification.Status.CANCELLED,
    ]
    qs = Verification.objects.filter(tenant_id=bench.tenant_id, halo_user_id=user_id)
    have = qs.count()
    rows = [_event(bench.tenant_id, user_id, statuses[n % 3], n + 1) for n in range(have, total)]
    Verification.objects.bulk_create(rows, batch_size=FILLER_BATCH)
    return qs.count()


def age_sends(bench: Bench) -> None:
    """Move the bench tenant's recent sends two hours back, out of the resend cooldown
    and hourly caps, so repeated measurements of "send" all take the same path."""
    cutoff = timezone.now() - timedelta(hours=1)
    Verification.objects.filter(tenant_id=bench.tenant_id, created__gte=cutoff).update(
        created=F("created") - timedelta(hours=2)
    )
