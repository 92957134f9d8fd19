"""The connection test: can we sign in to this Halo, and may we do what we need?

At most four Halo calls: a new token, /Agent/me (who we act as), /TicketType
(read:tickets) and one end user from /Users (read:customers). Retries are off, so
pressing "Test" answers within the timeouts.

edit:tickets is not tested. The only proof is adding a note, and a test must not
write to a customer's tickets. Halo's token reply lists scopes, but it may simply
repeat what we asked for, and a token can do only what its "Agent to log in as" may
do as well, so a listed scope proves nothing. We therefore report edit:tickets as
missing when the token's scopes leave it out, and otherwise as not checked
(ok=None): the first verification note confirms it.

The test spends from the Halo instance's budget like any call. When the budget (or
Halo's 429) says wait, the result is `busy`: it says when to try again, and proves
the connection neither working nor broken, so its stored status stays as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from integrations.halo.client import HaloClient
from integrations.halo.credentials import HaloCredentials
from integrations.halo.errors import HaloBusy, HaloError, MissingPermission, permission_fix

T = TypeVar("T")


@dataclass(frozen=True)
class RequiredPermission:
    name: str
    why: str


REQUIRED_PERMISSIONS = (
    RequiredPermission("read:tickets", "to read the ticket the tab is open on"),
    RequiredPermission(
        "read:customers", "to read the end user's email address and phone numbers in Halo"
    ),
    RequiredPermission("edit:tickets", "to add each verification to the ticket as a private note"),
)


@dataclass
class PermissionResult:
    name: str
    ok: bool | None  # None: not checked
    detail: str = ""
    fix: str = ""  # what to change in Halo, in Halo's words; "" when nothing

    @property
    def symbol(self) -> str:
        if self.ok is None:
            return "-"
        return "✓" if self.ok else "✗"


@dataclass
class ConnectionTestResult:
    ok: bool
    agent_name: str = ""
    permissions: list[PermissionResult] = field(default_factory=list)
    error: str = ""  # customer-readable: what went wrong and what to do
    error_kind: str = ""  # the HaloError class name, e.g. "BadCredentials"
    # Whether every ticket type allows all custom tabs; None when Halo did not say.
    custom_tabs_allowed: bool | None = None
    ticket_types_without_tabs: list[str] = field(default_factory=list)
    # Halo was not (fully) asked: our share of its API limit is spent, or it answered
    # 429. `error` says when to try again; the connection's status must not change.
    busy: bool = False
    # The token request itself failed: the sign-in address or tenant may be wrong.
    sign_in_failed: bool = False
    # The Authorisation Server and tenant Halo's authinfo named, when they were
    # needed and worked (integrations/discovery.py); stored with the connection.
    discovered_auth_server: str = ""
    discovered_tenant: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_connection_test(creds: HaloCredentials) -> ConnectionTestResult:
    with HaloClient(creds, retries=0, retry_unauthorized=False) as client:
        return _run(client)


def _run(client: HaloClient) -> ConnectionTestResult:
    try:
        token = client.token(fresh=True)
    except HaloError as e:
        busy = isinstance(e, HaloBusy)
        return ConnectionTestResult(
            ok=False, error=str(e), error_kind=e.kind, busy=busy, sign_in_failed=not busy
        )
    try:
        me = client.me()
    except HaloError as e:
        busy = isinstance(e, HaloBusy)
        return ConnectionTestResult(ok=False, error=str(e), error_kind=e.kind, busy=busy)

    result = ConnectionTestResult(ok=True, agent_name=_agent_name(me))
    types = _probe(result, "read:tickets", client.ticket_types)
    _probe(result, "read:customers", lambda: client.users(count=1))
    result.permissions.append(_edit_tickets(token.scope))
    if types is not None:
        _record_tabs(result, types)
    result.ok = not result.error and all(p.ok is not False for p in result.permissions)
    return result


def _probe(result: ConnectionTestResult, name: str, call: Callable[[], T]) -> T | None:
    if result.error:
        # After a failure other than a missing permission (401, 5xx, timeout) more
        # calls tell us nothing, and would cost a new token or a longer wait.
        result.permissions.append(PermissionResult(name, None, "Not checked: see the error."))
        return None
    try:
        value = call()
    except MissingPermission as e:
        result.permissions.append(PermissionResult(name, False, e.message, permission_fix(name)))
        return None
    except HaloError as e:
        result.permissions.append(PermissionResult(name, None, f"Not checked: {e.message}"))
        result.error = result.error or str(e)
        result.error_kind = result.error_kind or e.kind
        result.busy = isinstance(e, HaloBusy)
        return None
    result.permissions.append(PermissionResult(name, True, "Checked: Halo answered."))
    return value


def _edit_tickets(scope: str) -> PermissionResult:
    granted = set(scope.split())
    if granted and not granted & {"edit:tickets", "all"}:
        return PermissionResult(
            "edit:tickets",
            False,
            f"Halo's token does not include edit:tickets (it has: {scope}).",
            permission_fix("edit:tickets"),
        )
    return PermissionResult(
        "edit:tickets",
        None,
        "Not checked: only adding a note can prove it, and the test does not write to "
        "your tickets. The first verification note confirms it.",
    )


def _record_tabs(result: ConnectionTestResult, types: list[dict[str, Any]]) -> None:
    # A ticket type shows our tab only with "Allow all custom tabs" (or a list of
    # allowed tabs, which we cannot match without knowing the tab's id).
    closed = [
        t
        for t in types
        if t.get("allowall_iframe_customtabs") is False and not t.get("allowed_iframe_customtabs")
    ]
    result.ticket_types_without_tabs = [str(t.get("name", t.get("id"))) for t in closed]
    if closed:
        result.custom_tabs_allowed = False
    elif types and all(t.get("allowall_iframe_customtabs") is True for t in types):
        result.custom_tabs_allowed = True


def _agent_name(me: dict[str, Any]) -> str:
    name = me.get("name") or " ".join(str(me[k]) for k in ("firstname", "surname") if me.get(k))
    return str(name or f"agent {me['id']}")
