"""Drive the Halo sandbox from Python: tests, the demo and benchmarks.

All state is in the database, so what one process sets, every worker sees.

Data
    ensure_seeded() -> None
        Create the seeded clients, sites, users, agents, ticket types and tickets
        if they are missing (ids in `integrations/sandbox/seed.py`). Idempotent;
        every sandbox request calls it too.
    reset() -> None
        Back to a fresh instance: no applications, tokens, posted actions, faults,
        log, custom tabs or delivered messages; switches off; seeded data restored;
        the rate limit back to its setting, with nothing counted.
    set_custom_tabs_allowed(allowed, *, tickettype_id=None) -> None
        Switch "allow all custom tabs" on every ticket type, or on one.
    posted_actions(ticket_id=None) -> list[dict]
        The actions posted so far (Halo's shape), oldest first.

Applications (Halo API applications: client credentials + agent + permissions)
    create_application(client_id, client_secret, *, permissions=("all",),
                       name="MSP Process", agent_id=1, tenant="") -> SandboxApplication
        Create or update (idempotent). Permissions: any of PERMISSIONS
        ("read:tickets", "edit:tickets", "read:customers") or "all". A non-blank
        `tenant` makes the token endpoint demand `?tenant=<it>` (500 otherwise).
    set_permissions(client_id, permissions) -> None
        Takes effect at once, for tokens already issued too.
    set_agent(agent_id, *, permissions=None, is_admin=None, disabled=None) -> None
        Change what an agent may do. A token may do only what both its application
        and its "Agent to log in as" may do; only an admin agent's applications may
        use api/Tabs. A disabled (or deleted) agent's application gets 400
        invalid_grant from the token endpoint, and its tokens answer 401.
        Seeded: agent 1 (the default) has all permissions and is an admin; 4 may only
        read:tickets; 5 is disabled (see seed.py).
    delete_application(client_id) -> None
    issue_token(client_id, *, scope="all", expires_in=3600) -> str
        A bearer token without going through HTTP.

Rate limit (see ratelimit.py): per instance, over every application, API calls and
token requests alike; past it, HTTP 429 with Halo's message and no Retry-After
    set_rate_limit(limit) -> None
        Requests allowed per rolling window (setting HALO_SANDBOX_RATE_LIMIT, default
        300; the window is HALO_SANDBOX_RATE_WINDOW_SECONDS, default 300). None: no
        limit. Until reset().
    rate_limit_used() -> int
        Requests counted in the current window.
    clear_rate_limit_counts() -> None

Halo's quirks
    set_actions_reply_as_list(on) -> None
        While on, a one-item POST api/Actions answers a list of one, as some Halo
        instances do. Other quirks are always on: empty fields are left out unless
        `includedetails=true`; unknown routes answer a 404 HTML page, injected 500s an
        HTML page, 403s a plain or empty body; routes take any case and a trailing
        slash. Hosted mode: see views/auth.py (HALO_SANDBOX_HOSTED_AUTH_HOST,
        HALO_SANDBOX_TENANT, api/authinfo, hosted-auth/token?tenant=).
    set_preload_custom_tabs(on) -> None / preload_custom_tabs() -> bool
        While on, a ticket page loads every enabled custom tab's iframe when it
        opens, the unopened ones hidden, and its tab strip switches panels without
        a reload: a Halo that preloads tabs (whether Halo does is unconfirmed). Off,
        only the open tab's iframe is loaded. Also a checkbox on Configuration >
        Custom Tabs.

Faults (see faults.py for how each plays out)
    set_faults(*, latency_ms=0, status=None, status_count=1, timeout_seconds=None,
               timeout_count=1, malformed=False, malformed_count=1, expires_in=None,
               scope="api") -> None
        Replace the faults in force. A count of None means every reply until
        cleared. `scope` is "api", "token" or "all"; `expires_in` always applies
        to the token endpoint. e.g. set_faults(status=429, status_count=3)
    add_fault(kind, value=0, *, count=None, scope="api") -> SandboxFault
        Add one more fault (kinds: latency, status, timeout, malformed, expires_in)
        to combine faults of different scopes.
    clear_faults() -> None
    active_faults() -> list[dict]
    set_host_latency(host, ms) -> None
        Delay every reply to one host name (e.g. "localhost:8000") by `ms`, 0 to
        stop: a sandbox reached under two names plays a slow and a quick Halo.

Custom tabs (Configuration > Custom Tabs; the ticket page shows each enabled one)
    An instance holds several ticket tabs, told apart here by name: each tenant
    connected to the sandbox keeps its own, so connecting a second tenant never
    breaks the first's demo. Halo substitutes `$FAULTID`, `$LOGGEDINAGENTID` and
    `$HMAC` raw wherever the URL has them and appends nothing (customtab.py).
    configure_custom_tab(url, secret="", name="MSP Process", *, enabled=True,
                         sequence=0) -> SandboxCustomTab
        Create or update the tab with that name (idempotent), exactly as given: a
        blank secret means "no secret" (the config page, by contrast, keeps the
        stored secret when left blank). `url` is the tab URL from our integration
        page, Halo's variables left in. ValueError unless it is http(s).
    custom_tabs() -> list[SandboxCustomTab]
        Every tab, in the ticket page's order (sequence, then id).
    custom_tab(name="MSP Process") -> SandboxCustomTab | None
    remove_custom_tab(name=None) -> None
        Remove the tab with that name, or every tab when name is None.

Devices (messages recorded by integrations.sandbox.devices' backends)
    messages_to(address_or_number) -> list[SandboxMessage]
        Oldest first. Addresses match case-insensitively, numbers by their digits
        ("+44 7700 900201" finds messages sent to "+447700900201").
    latest_code(to) -> str | None
        The last 6-digit code in the newest message to `to` that has one.
    set_sms_failure(failing) -> None
        While on, SandboxSmsBackend.send refuses every message.

Request log
    request_counts() -> dict[str, int]
        Requests per endpoint, keyed "METHOD endpoint": "POST auth/token",
        "GET Agent/me", "GET Tickets/{id}", "GET Tickets", "GET Users", "GET Users/{id}",
        "GET TicketType", "GET TicketType/{id}", "GET Actions", "GET Actions/{id}",
        "POST Actions", "GET Tabs", "POST Tabs", "GET Tabs/{id}", "DELETE Tabs/{id}",
        "GET authinfo", "POST hosted-auth/token", "GET {unknown}", …
    request_log(limit=100) -> list[dict]
        The latest requests, oldest first: method, endpoint, status, duration_ms, at.
    clear_log() -> None
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count

from integrations.sandbox import customtab, faults, ratelimit, seed, tokens
from integrations.sandbox.inbox import destination_key, find_code
from integrations.sandbox.models import (
    ALL,
    PERMISSIONS,
    SandboxAction,
    SandboxAgent,
    SandboxApplication,
    SandboxCustomTab,
    SandboxFault,
    SandboxMessage,
    SandboxRequest,
    SandboxSwitch,
    SandboxTicketType,
    SandboxToken,
    sha256_hex,
)

__all__ = [
    "PERMISSIONS",
    "active_faults",
    "add_fault",
    "clear_faults",
    "clear_log",
    "clear_rate_limit_counts",
    "configure_custom_tab",
    "create_application",
    "custom_tab",
    "custom_tabs",
    "delete_application",
    "ensure_seeded",
    "issue_token",
    "latest_code",
    "messages_to",
    "posted_actions",
    "preload_custom_tabs",
    "rate_limit_used",
    "remove_custom_tab",
    "request_counts",
    "request_log",
    "reset",
    "set_actions_reply_as_list",
    "set_agent",
    "set_custom_tabs_allowed",
    "set_faults",
    "set_host_latency",
    "set_permissions",
    "set_preload_custom_tabs",
    "set_rate_limit",
    "set_sms_failure",
]

ensure_seeded = seed.ensure_seeded


def reset() -> None:
    with transaction.atomic():
        SandboxToken.objects.all().delete()
        SandboxApplication.objects.all().delete()
        SandboxFault.objects.all().delete()
        SandboxRequest.objects.all().delete()
        SandboxCustomTab.objects.all().delete()
        SandboxMessage.objects.all().delete()
        SandboxSwitch.objects.all().delete()
        seed.unseed()
        seed.seed()
    ratelimit.clear()


def set_custom_tabs_allowed(allowed: bool, *, tickettype_id: int | None = None) -> None:
    ensure_seeded()
    qs = SandboxTicketType.objects.all()
    if tickettype_id is not None:
        qs = qs.filter(pk=tickettype_id)
    qs.update(allowall_iframe_customtabs=allowed)


def posted_actions(ticket_id: int | None = None) -> list[dict[str, Any]]:
    qs = SandboxAction.objects.select_related("application").order_by("created", "id")
    if ticket_id is not None:
        qs = qs.filter(ticket_id=ticket_id)
    return [a.to_halo() for a in qs]


# Applications


def _permissions(permissions: Iterable[str]) -> list[str]:
    wanted = list(permissions)
    unknown = [p for p in wanted if p != ALL and p not in PERMISSIONS]
    if unknown:
        raise ValueError(f"Unknown Halo permission(s): {', '.join(unknown)}")
    return list(PERMISSIONS) if ALL in wanted else [p for p in PERMISSIONS if p in wanted]


def create_application(
    client_id: str,
    client_secret: str,
    *,
    permissions: Iterable[str] = (ALL,),
    name: str = "MSP Process",
    agent_id: int = seed.DEFAULT_AGENT_ID,
    tenant: str = "",
) -> SandboxApplication:
    ensure_seeded()
    app, _ = SandboxApplication.objects.update_or_create(
        client_id=client_id,
        defaults={
            "secret_hash": sha256_hex(client_secret),
            "permissions": _permissions(permissions),
            "name": name,
            "agent_id": agent_id,
            "tenant": tenant,
        },
    )
    return app


def set_permissions(client_id: str, permissions: Iterable[str]) -> None:
    updated = SandboxApplication.objects.filter(client_id=client_id).update(
        permissions=_permissions(permissions)
    )
    if not updated:
        raise SandboxApplication.DoesNotExist(f"No sandbox application {client_id!r}")


def set_agent(
    agent_id: int,
    *,
    permissions: Iterable[str] | None = None,
    is_admin: bool | None = None,
    disabled: bool | None = None,
) -> None:
    ensure_seeded()
    changes: dict[str, object] = {}
    if permissions is not None:
        wanted = list(permissions)
        changes["permissions"] = [ALL] if ALL in wanted else _permissions(wanted)
    if is_admin is not None:
        changes["is_admin"] = is_admin
    if disabled is not None:
        changes["isdisabled"] = disabled
    if not SandboxAgent.objects.filter(pk=agent_id).update(**changes) and changes:
        raise SandboxAgent.DoesNotExist(f"No sandbox agent {agent_id}")


def delete_application(client_id: str) -> None:
    SandboxApplication.objects.filter(client_id=client_id).delete()


def issue_token(
    client_id: str, *, scope: str = ALL, expires_in: int = tokens.DEFAULT_EXPIRES_IN
) -> str:
    app = SandboxApplication.objects.get(client_id=client_id)
    return tokens.issue(app, scope, expires_in)


# Custom tabs


def configure_custom_tab(
    url: str,
    secret: str = "",
    name: str = "MSP Process",
    *,
    enabled: bool = True,
    sequence: int = 0,
) -> SandboxCustomTab:
    defaults = {
        "url": customtab.check_url(url),
        "secret": secret,
        "enabled": enabled,
        "sequence": sequence,
    }
    with transaction.atomic():
        # Names are not unique in the model (Halo does not make them so); the oldest
        # of a name is "the" tab, so that repeated demo runs keep updating one row.
        tab = SandboxCustomTab.objects.filter(name=name).order_by("id").first()
        if tab is None:
            return SandboxCustomTab.objects.create(name=name, **defaults)
        for field, value in defaults.items():
            setattr(tab, field, value)
        tab.save()
        return tab


def custom_tabs() -> list[SandboxCustomTab]:
    return list(SandboxCustomTab.objects.all())


def custom_tab(name: str = "MSP Process") -> SandboxCustomTab | None:
    return SandboxCustomTab.objects.filter(name=name).order_by("id").first()


def remove_custom_tab(name: str | None = None) -> None:
    tabs = SandboxCustomTab.objects.all()
    if name is not None:
        tabs = tabs.filter(name=name)
    tabs.delete()


# Devices


def messages_to(address_or_number: str) -> list[SandboxMessage]:
    key = destination_key(address_or_number)
    if not key:
        return []
    return list(SandboxMessage.objects.filter(to_key=key).order_by("created", "id"))


def latest_code(to: str) -> str | None:
    for message in reversed(messages_to(to)):
        code = find_code(message.body)
        if code:
            return code
    return None


def set_sms_failure(failing: bool) -> None:
    SandboxSwitch.set(SandboxSwitch.SMS_FAILURE, failing)


# Rate limit and quirks


def set_rate_limit(limit: int | None) -> None:
    if limit is not None and limit < 0:
        raise ValueError("A rate limit is 0 or more requests, or None for no limit.")
    ratelimit.set_limit(limit)


def rate_limit_used() -> int:
    return ratelimit.used()


def clear_rate_limit_counts() -> None:
    ratelimit.clear_counts()


def set_actions_reply_as_list(on: bool) -> None:
    SandboxSwitch.set(SandboxSwitch.ACTIONS_AS_LIST, on)


def set_preload_custom_tabs(on: bool) -> None:
    SandboxSwitch.set(SandboxSwitch.PRELOAD_CUSTOM_TABS, on)


def preload_custom_tabs() -> bool:
    return SandboxSwitch.is_on(SandboxSwitch.PRELOAD_CUSTOM_TABS)


# Faults


def add_fault(
    kind: str, value: float = 0, *, count: int | None = None, scope: str = "api"
) -> SandboxFault:
    if kind not in SandboxFault.Kind.values:
        raise ValueError(f"Unknown fault kind {kind!r}; one of {SandboxFault.Kind.values}")
    if scope not in SandboxFault.Scope.values:
        raise ValueError(f"Unknown fault scope {scope!r}; one of {SandboxFault.Scope.values}")
    if kind == SandboxFault.Kind.STATUS and not 400 <= value <= 599:
        raise ValueError("An injected status must be an HTTP error (400-599).")
    if count is not None and count < 1:
        raise ValueError("count must be 1 or more, or None for every reply.")
    return SandboxFault.objects.create(kind=kind, value=value, remaining=count, scope=scope)


def set_faults(
    *,
    latency_ms: int = 0,
    status: int | None = None,
    status_count: int | None = 1,
    timeout_seconds: float | None = None,
    timeout_count: int | None = 1,
    malformed: bool = False,
    malformed_count: int | None = 1,
    expires_in: int | None = None,
    scope: str = "api",
) -> None:
    Kind = SandboxFault.Kind
    with transaction.atomic():
        clear_faults()
        if latency_ms:
            add_fault(Kind.LATENCY, latency_ms, scope=scope)
        if timeout_seconds is not None:
            add_fault(Kind.TIMEOUT, timeout_seconds, count=timeout_count, scope=scope)
        if status is not None:
            add_fault(Kind.STATUS, status, count=status_count, scope=scope)
        if malformed:
            add_fault(Kind.MALFORMED, count=malformed_count, scope=scope)
        if expires_in is not None:
            add_fault(Kind.EXPIRES_IN, expires_in, scope=SandboxFault.Scope.TOKEN)


def set_host_latency(host: str, ms: int) -> None:
    faults.set_host_latency(host, ms)


def clear_faults() -> None:
    SandboxFault.objects.all().delete()


def active_faults() -> list[dict[str, Any]]:
    return [
        {"kind": f.kind, "value": f.value, "remaining": f.remaining, "scope": f.scope}
        for f in SandboxFault.objects.all()
        if f.remaining is None or f.remaining > 0
    ]


# Request log


def request_counts() -> dict[str, int]:
    rows = SandboxRequest.objects.values("method", "endpoint").annotate(n=Count("id"))
    return {f"{r['method']} {r['endpoint']}": r["n"] for r in rows.order_by()}


def request_log(limit: int = 100) -> list[dict[str, Any]]:
    latest = list(SandboxRequest.objects.order_by("-id")[:limit])
    return [
        {
            "method": r.method,
            "endpoint": r.endpoint,
            "status": r.status,
            "duration_ms": r.duration_ms,
            "at": r.created,
        }
        for r in reversed(latest)
    ]


def clear_log() -> None:
    SandboxRequest.objects.all().delete()
