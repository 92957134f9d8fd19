"""The Halo API client: one customer's Halo, reached through SafeAdapter, with shared tokens.

Every call runs inside a web request or the outbox worker, so waits are short and
bounded: 5xx and timeouts are retried at most `retries` times with doubling pauses,
and no new attempt starts after the retry budget.

Every request (and every token request, in tokens.py) first spends from the Halo
instance's budget shared by all processes (halo/meter.py, halo/budget.py); when it
may not go, HaloBusy is raised and Halo is not called. A 429 is not retried here:
it holds every process off the instance (Retry-After when sent, else 5 s doubling
to 60 s) and raises HaloBusy, as a refusal before the call would.

Halo leaves empty fields out of records unless asked `includedetails=true`, so the
records we read fields from ask for it, and every reader uses `.get()`: a field may
still be missing. Error bodies may be HTML or empty; only the status decides the error.
"""

from __future__ import annotations

import logging
import threading
import time
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests
from django.conf import settings

import mspprocess
from integrations import netsafe
from integrations.halo import meter, resilience, tokens
from integrations.halo.credentials import HaloCredentials
from integrations.halo.errors import (
    APPLICATIONS,
    BadCredentials,
    BadResponse,
    HaloError,
    HaloSlow,
    Unavailable,
    api_error,
    from_outbound,
)

logger = logging.getLogger("integrations.halo")

USER_AGENT = f"MSPProcess/{mspprocess.__version__}"
# Defaults; settings HALO_RETRIES, HALO_BACKOFF_SECONDS and HALO_RETRY_BUDGET_SECONDS
# override them (tests set the pause to 0).
RETRIES = 2
BACKOFF_SECONDS = 1.0
BACKOFF_CAP = 60.0
DETAILS = {"includedetails": "true"}
# Halo answers at most 100 records a page, whatever is asked.
MAX_PAGE_SIZE = 100
RETRY_BUDGET_SECONDS = 20.0

_local = threading.local()


def shared_session() -> requests.Session:
    """This thread's HTTP session to every Halo: connections (and TLS sessions) are
    kept alive between tab opens instead of a new handshake per request.

    SafeAdapter checks and pins each request's address, and its pools are keyed by
    that pinned address, so sharing is safe. Cookies are never kept: one session
    serves every tenant's Halo, and nothing we call needs them.
    """
    session = getattr(_local, "session", None)
    if session is None:
        session = _new_session()
        _local.session = session
    return session


def _new_session() -> requests.Session:
    session = netsafe.safe_session()
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
    return session


def drop_shared_session() -> None:
    """Close this thread's session and its kept-alive connections."""
    session = getattr(_local, "session", None)
    if session is not None:
        session.close()
        _local.session = None


class _Unauthorized(Exception):
    """Halo refused the access token (401): renew it once, then give up."""


class HaloClient:
    def __init__(
        self,
        creds: HaloCredentials,
        *,
        retries: int | None = None,
        retry_unauthorized: bool = True,
    ) -> None:
        self.creds = creds
        self.retries = _setting("HALO_RETRIES", RETRIES) if retries is None else retries
        self.retry_unauthorized = retry_unauthorized
        # HALO_KEEP_ALIVE off (the test-suite: Django's live server cannot take
        # connections that outlive a test): a session of its own, closed with the client.
        self._owns_http = not _setting("HALO_KEEP_ALIVE", True)
        self._http = _new_session() if self._owns_http else shared_session()
        # The instance's budget: every request below spends from it first.
        self._budget = meter.budget_for(creds)
        # The token this client uses: read from the cache once, not once per call.
        self._token: tokens.Token | None = None

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> HaloClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- resources ---------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        """The agent the API application logs in as."""
        return _record(self.get("/Agent/me", params=DETAILS))

    def agent(self, agent_id: int) -> dict[str, Any]:
        return _record(self.get(f"/Agent/{_id(agent_id)}", params=DETAILS), _id(agent_id))

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        return _record(self.get(f"/Tickets/{_id(ticket_id)}", params=DETAILS), _id(ticket_id))

    def user(self, user_id: int) -> dict[str, Any]:
        # The contact details codes go to: emailaddress, mobilenumber, phonenumber.
        return _record(self.get(f"/Users/{_id(user_id)}", params=DETAILS), _id(user_id))

    def authinfo(self) -> Any:
        """Where this Halo signs clients in (`auth_url`, `tenant_id`), as its reply
        says. Asked without a token: it is how a client finds who issues one."""
        return self._send(None, "GET", "/authinfo", None, None)

    def users(self, count: int = 1) -> list[dict[str, Any]]:
        return _listing(self.get("/Users", params={"count": count}), "users")

    def ticket_types(self) -> list[dict[str, Any]]:
        return _listing(self.get("/TicketType"), None)

    def clients(
        self, search: str = "", page: int = 1, page_size: int = 50
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of Halo's client companies whose name is like `search`, ordered by
        name, and how many match in all. One call.

        `GET /api/Client?pageinate=true&page_size=…&page_no=…&search=…` answers
        `{"record_count": n, "clients": [{"id", "name", "inactive", …}]}`; inactive
        clients are left out unless `includeinactive=true` is asked. Parameters and
        reply as read by the PyPI `halopsa` package (HaloPSA/Halo.py, Clients.search:
        `response['clients'], response['record_count']`, includeinactive False and
        includeactive True by default), the HaloAPI PowerShell module
        (Public/Get/Get-HaloClient.ps1) and CIPP (ListHaloClients: `/Client?page_no=…
        &page_size=…`, `.clients`, `.record_count`). The spec's schema is `Area`.
        """
        params: dict[str, Any] = {
            "pageinate": "true",
            "page_size": min(max(page_size, 1), MAX_PAGE_SIZE),
            "page_no": max(page, 1),
            "order": "name",
        }
        if search:
            params["search"] = search
        reply = self.get("/Client", params=params)
        items = _listing(reply, "clients")
        total = reply.get("record_count") if isinstance(reply, dict) else None
        if not isinstance(total, int) or isinstance(total, bool) or total < len(items):
            total = len(items)  # a count we cannot read: at least what came
        return items, total

    def add_private_note(self, ticket_id: int, note: str, outcome: str) -> dict[str, Any]:
        """Add a note agents see and the end user does not; returns the new action."""
        item = {
            "ticket_id": _id(ticket_id),
            "outcome": outcome,
            "note": note,
            "hiddenfromuser": True,
            "sendemail": False,
            "timetaken": 0,
        }
        reply = self.post("/Actions", [item])  # Halo creates from an array
        if isinstance(reply, list) and len(reply) == 1:
            reply = reply[0]  # one item in, one object out; some Halos answer a list of one
        return _record(reply)

    def actions(self, ticket_id: int, count: int = 20) -> list[dict[str, Any]]:
        reply = self.get("/Actions", params={"ticket_id": _id(ticket_id), "count": count})
        return _listing(reply, "actions")

    # -- plumbing ----------------------------------------------------------------

    def token(self, *, fresh: bool = False) -> tokens.Token:
        """A usable access token; `fresh` asks Halo for a new one whatever is cached."""
        if fresh:
            # The connection test must prove the credentials, not a cached token.
            # It is a rare, manual action, so it does not queue behind the lock.
            self._token = tokens.fetch(self.creds, self._http)
            tokens.store(self.creds, self._token)
            return self._token
        if self._token is None or not self._token.usable():
            self._token = tokens.get(self.creds, lambda: tokens.fetch(self.creds, self._http))
        return self._token

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._call("GET", path, params=params)

    def post(self, path: str, body: Any) -> Any:
        return self._call("POST", path, body=body)

    def delete(self, path: str) -> Any:
        """Delete the record at `path`: Halo's answer, or None when it sent no JSON.

        Never repeated once sent, like a POST: after an unclear failure the caller
        reads what Halo has (a second DELETE would answer 404, not "done")."""
        try:
            return self._call("DELETE", path)
        except BadResponse as e:
            # A 2xx is the deletion, whatever its body: DELETEs often answer empty.
            if e.status is not None and 200 <= e.status < 300:
                return None
            raise

    def _call(self, method: str, path: str, *, params: Any = None, body: Any = None) -> Any:
        # A POST or DELETE changes something in Halo: repeat it only when Halo
        # certainly did not act on it (a refused token, or a failure before it was sent).
        idempotent = method == "GET"
        started = time.monotonic()
        attempt = 0
        renewed = False
        while True:
            try:
                token = self.token()
            except HaloError as e:
                attempt = self._pause_or_raise(e, attempt, started)
                continue
            try:
                return self._send(token, method, path, params, body)
            except _Unauthorized:
                tokens.forget(self.creds, token)
                self._token = None
                if renewed or not self.retry_unauthorized:
                    raise _token_refused() from None
                renewed = True
            except HaloError as e:
                if not idempotent:
                    raise
                attempt = self._pause_or_raise(e, attempt, started)

    def _pause_or_raise(self, error: HaloError, attempt: int, started: float) -> int:
        budget = float(_setting("HALO_RETRY_BUDGET_SECONDS", RETRY_BUDGET_SECONDS))
        delay = _pause(attempt)
        elapsed = time.monotonic() - started
        if not error.retryable or attempt >= self.retries or elapsed + delay > budget:
            raise error
        if not resilience.pause_fits(delay):  # the technician's deadline comes first
            raise HaloSlow(reason="deadline") from error
        time.sleep(delay)
        return attempt + 1

    def _send(
        self, token: tokens.Token | None, method: str, path: str, params: Any, body: Any
    ) -> Any:
        # A slow instance is refused before it costs budget or a thread (resilience.py):
        # HaloSlow past the request's deadline, a full bulkhead or an open breaker.
        timeout = resilience.timeout_for(netsafe.CONNECT_TIMEOUT, netsafe.READ_TIMEOUT)
        with resilience.guarded(self._budget.instance) as breaker:
            meter.charge(self._budget)  # HaloBusy, and no request, when the budget says wait
            started = time.monotonic()
            try:
                response = netsafe.request(
                    self._http,
                    method,
                    self.creds.api_url + path,
                    params=params,
                    json=body,
                    headers={"Authorization": f"Bearer {token.access_token}"} if token else {},
                    timeout=timeout,
                )
            except netsafe.OutboundError as e:  # refused: address, redirect, size
                error = from_outbound(e)
                tokens.log_call(self.creds, method, path, error.status or error.kind, started)
                raise error from e
            except requests.RequestException as e:
                tokens.log_call(self.creds, method, path, type(e).__name__, started)
                if isinstance(e, requests.Timeout):
                    breaker.timed_out()
                    if timeout is not None:  # cut by the technician's deadline
                        raise HaloSlow(reason="deadline") from e
                raise Unavailable(retryable=not isinstance(e, requests.exceptions.SSLError)) from e
            breaker.succeeded()  # it answered: whatever the status, it is not slow
        tokens.log_call(self.creds, method, path, response.status_code, started)
        busy = meter.observe(self._budget, response.status_code, response.headers)
        if busy is not None:
            raise busy
        if response.status_code == 401:
            raise _Unauthorized
        if response.status_code >= 400:
            raise api_error(method, path, response.status_code, _json(response))
        try:
            return response.json()
        except ValueError:
            raise BadResponse(
                "Halo's answer was not valid JSON.", status=response.status_code
            ) from None


def _pause(attempt: int) -> float:
    """How long to wait before attempt `attempt + 1`."""
    base = float(_setting("HALO_BACKOFF_SECONDS", BACKOFF_SECONDS))
    return min(BACKOFF_CAP, base * 2**attempt)


def _token_refused() -> BadCredentials:
    return BadCredentials(
        "Halo refused our access token (HTTP 401), even a newly issued one.",
        hint=f"In Halo, open {APPLICATIONS}, check that the application is active and that "
        "its Agent to log in as is an enabled agent.",
        status=401,
    )


def _record(reply: Any, expected_id: int | None = None) -> dict[str, Any]:
    """A bare object with an integer id (and the id we asked for, if we asked)."""
    ident = reply.get("id") if isinstance(reply, dict) else None
    if not isinstance(ident, int) or isinstance(ident, bool):
        raise BadResponse("Halo's answer was not the record we asked for.")
    if expected_id is not None and ident != expected_id:
        raise BadResponse(f"Halo answered with record {ident} when we asked for {expected_id}.")
    return reply


def _listing(reply: Any, key: str | None) -> list[dict[str, Any]]:
    """A bare array, or Halo's {"record_count", key: [...]} wrapper, of objects."""
    if isinstance(reply, dict) and key and key not in reply and "record_count" in reply:
        return []  # an empty list left out of the reply, as Halo does with empty fields
    items = reply.get(key) if isinstance(reply, dict) and key else reply
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise BadResponse("Halo's answer was not the list we asked for.")
    return items


def _id(value: int | str) -> int:
    # Ticket ids arrive from the tab's URL: untrusted. Only a positive integer may
    # become part of a Halo path.
    if isinstance(value, bool):
        raise ValueError("an id must be a positive integer")
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or value <= 0:
        raise ValueError("an id must be a positive integer")
    return value


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)
