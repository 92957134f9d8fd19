"""Halo access tokens: the client-credentials grant, shared between processes.

Tokens live in the Django cache under the connection id and credentials version,
so new credentials never use an old token. Renewal starts a minute before expiry.
At most one process asks Halo for a token at a time per connection (a cache lock
taken with `cache.add`); the others wait a few seconds for the token to appear.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.cache import cache

from integrations import netsafe
from integrations.halo import meter, resilience
from integrations.halo.budget import Budget
from integrations.halo.credentials import HaloCredentials
from integrations.halo.errors import (
    APPLICATIONS,
    BadCredentials,
    BadResponse,
    HaloError,
    HaloSlow,
    MissingPermission,
    NotFound,
    Unavailable,
    from_outbound,
)
from mspprocess.cache import CacheUnavailable

logger = logging.getLogger("integrations.halo")

RENEW_BEFORE = 60  # seconds before expiry that a token counts as used up
DEFAULT_EXPIRES_IN = 3600  # Halo's usual lifetime, for replies without expires_in
LOCK_TIMEOUT = 30  # longer than a token request can take (5 s connect + 15 s read)
POLL_INTERVAL = 0.05


@dataclass(frozen=True)
class Token:
    access_token: str = field(repr=False)
    expires_at: float  # epoch seconds
    scope: str = ""  # as granted in Halo's reply; "" when the reply had none

    def usable(self) -> bool:
        return now() < self.expires_at - RENEW_BEFORE


def now() -> float:
    return time.time()


def wait_seconds() -> float:
    return float(getattr(settings, "HALO_TOKEN_WAIT_SECONDS", 5.0))


def token_key(creds: HaloCredentials) -> str:
    return f"halo:token:{creds.connection_id}:{creds.version}"


def lock_key(creds: HaloCredentials) -> str:
    return f"halo:token-lock:{creds.connection_id}"


# This process's copy of the token it last read from (or stored in) the cache, one
# per connection: a token lives an hour and every tab open needs one, so a cache
# round trip per request is saved. A copy is used only for the credentials version
# it was made for, so new credentials never meet an old token; a token Halo refuses
# is dropped here too (`forget`), and another process's copy of it gets its own 401
# and renews the same way.
_copies: dict[int, tuple[int, Token]] = {}


def _copy(creds: HaloCredentials) -> Token | None:
    version, token = _copies.get(creds.connection_id, (None, None))
    return token if version == creds.version else None


def cached(creds: HaloCredentials) -> Token | None:
    token = _copy(creds)
    if token is not None and token.usable():
        return token
    value = cache.get(token_key(creds))
    if not isinstance(value, dict):
        return None
    token = Token(value["access_token"], value["expires_at"], value.get("scope", ""))
    if not token.usable():
        return None
    _copies[creds.connection_id] = (creds.version, token)
    return token


def store(creds: HaloCredentials, token: Token) -> None:
    ttl = int(token.expires_at - RENEW_BEFORE - now())
    if ttl > 0:
        value = {"access_token": token.access_token, "expires_at": token.expires_at}
        cache.set(token_key(creds), value | {"scope": token.scope}, ttl)
        _copies[creds.connection_id] = (creds.version, token)


def forget(creds: HaloCredentials, token: Token) -> None:
    """Drop `token` from the cache, unless another process already replaced it."""

    key = token_key(creds)
    if getattr(_copy(creds), "access_token", None) == token.access_token:
        _copies.pop(creds.connection_id, None)
    current = cache.get(key)
    if isinstance(current, dict) and current.get("access_token") == token.access_token:
        cache.delete(key)


def forget_copies() -> None:
    """Forget this process's copies (tests that clear the cache between cases)."""
    _copies.clear()


def get(creds: HaloCredentials, fetch_new: Callable[[], Token]) -> Token:
    """A usable token: the cached one, or one fetched by us or by another process."""

    token = cached(creds)
    if token is not None:
        return token
    deadline = time.monotonic() + wait_seconds()
    while True:
        owner = secrets.token_hex(8)
        if _take_lock(creds, owner):
            try:
                # Someone may have stored a token between our read and the lock.
                token = cached(creds) or fetch_new()
                store(creds, token)
                return token
            finally:
                # Cache backends have no compare-and-delete; the lock outlives any
                # token request (LOCK_TIMEOUT), so it is still ours in practice.
                if cache.get(lock_key(creds)) == owner:
                    cache.delete(lock_key(creds))
        if time.monotonic() >= deadline:
            raise Unavailable(
                "Halo is slow to issue an access token.",
                hint="Try again in a minute.",
                retryable=False,
            )
        time.sleep(POLL_INTERVAL)
        token = cached(creds)
        if token is not None:
            return token


def _take_lock(creds: HaloCredentials, owner: str) -> bool:
    """Whether this request may ask Halo for the token now.

    Without a cache there is nothing to coordinate through and no token to wait
    for, so every request asks Halo itself: more token requests (each spent from
    the budget, which lets calls through then; Halo's own limit still holds) instead
    of every tab waiting out `wait_seconds()` and failing.
    """
    try:
        return cache.add(lock_key(creds), owner, LOCK_TIMEOUT)
    except CacheUnavailable:
        return True


def fetch(creds: HaloCredentials, session: requests.Session) -> Token:
    """Ask Halo's authorisation server for a new token (client credentials grant).

    One form POST (RFC 6749 section 4.4) through the outbound guard's `session`.
    Not requests-oauthlib: for the sandbox's http:// its only switch is a
    process-wide environment variable (OAUTHLIB_INSECURE_TRANSPORT) that a request
    would have to flip, it logs the secret at DEBUG, and Halo's replies are checked
    here anyway (`_token_reply`).

    Halo counts token requests against its limit like any other, so this spends
    from the instance's budget first: HaloBusy, and no request, when it may not go.
    """

    budget = meter.budget_for(creds)
    # Within a tab request's deadline, like every API call (resilience.py).
    timeout = resilience.timeout_for(netsafe.CONNECT_TIMEOUT, netsafe.READ_TIMEOUT)
    meter.charge(budget)
    path = urlsplit(creds.token_url).path
    form = {
        "grant_type": "client_credentials",
        # Halo wants the credentials in the form (it also takes HTTP Basic).
        "client_id": creds.client_id,
        "client_secret": creds.client_secret,
        "scope": creds.scopes,
    }
    started = time.monotonic()
    try:
        response = session.post(creds.token_url, data=form, timeout=timeout)
        reply = _token_reply(creds, budget, response)
        token = Token(reply["access_token"], now() + _lifetime(reply), _scope(reply))
    except netsafe.OutboundError as e:  # refused: address, redirect, size
        error = from_outbound(e)
        log_call(creds, "POST", path, error.status or error.kind, started)
        raise error from e
    except HaloError as e:
        log_call(creds, "POST", path, e.status or e.kind, started)
        raise
    except requests.RequestException as e:
        log_call(creds, "POST", path, type(e).__name__, started)
        if isinstance(e, requests.Timeout):
            resilience.breaker_for(budget.instance).timed_out()
            if timeout is not None:
                raise HaloSlow(reason="deadline") from e
        raise Unavailable(retryable=not isinstance(e, requests.exceptions.SSLError)) from e
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        log_call(creds, "POST", path, "BadResponse", started)
        raise BadResponse("Halo's sign-in answer was not in the form we expected.") from e
    log_call(creds, "POST", path, 200, started)
    return token


def log_call(
    creds: HaloCredentials, method: str, path: str, outcome: int | str, started: float
) -> None:
    """The one log line per Halo call: never a query string, header or body."""

    ms = (time.monotonic() - started) * 1000
    level = logging.INFO if isinstance(outcome, int) and outcome < 400 else logging.WARNING
    args = (creds.connection_id, method, path, outcome, ms)
    logger.log(level, "halo conn=%s %s %s %s %.0fms", *args)


def _lifetime(reply: dict[str, Any]) -> float:
    expires_in = float(reply.get("expires_in") or DEFAULT_EXPIRES_IN)
    if expires_in <= 0:
        raise ValueError("expires_in must be positive")
    return expires_in


def _scope(reply: dict[str, Any]) -> str:
    # Halo's space-separated string; some servers answer a list.
    scope = reply.get("scope") or ""
    return " ".join(scope) if isinstance(scope, list | tuple) else str(scope)


def _token_reply(creds: HaloCredentials, budget: Budget, response: requests.Response) -> dict:
    """The token reply's fields, or the error Halo's reply means."""
    # A 429 holds every process off the instance (HaloBusy); any reply may say how
    # many calls Halo has left.
    busy = meter.observe(budget, response.status_code, response.headers)
    if busy is not None:
        raise busy
    body = _json(response)
    if response.status_code != 200:
        raise token_error(creds, response.status_code, body)
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        raise BadResponse(
            "The Authorisation Server did not answer like Halo's sign-in does.",
            hint="Leave the Authorisation Server empty unless Halo shows one under "
            "Configuration > Integrations > Halo API.",
            status=200,
        )
    return body


def token_error(creds: HaloCredentials, status: int, body: Any) -> HaloError:
    error = body.get("error") if isinstance(body, dict) else None
    if error == "unauthorized_client":
        return BadCredentials(
            "Halo does not let this application sign in with a Client ID and Secret.",
            hint=f"In Halo, open {APPLICATIONS} > (your application) and set Authentication "
            "Method to Client ID and Secret (Services).",
            status=status,
        )
    if error == "invalid_grant":
        # Seen from the sandbox when the application's agent is disabled or deleted;
        # what real Halo answers then is unconfirmed, so say what to check.
        return BadCredentials(
            "Halo would not sign the API application in (invalid_grant).",
            hint=f"In Halo, open {APPLICATIONS} > (your application) and check that its "
            "Agent to log in as is an active agent.",
            status=status,
        )
    if error == "invalid_scope":
        return MissingPermission(
            f"Halo refused the permissions we ask for ({creds.scopes}).", status=status
        )
    if error == "invalid_client" or status == 401:
        return BadCredentials(status=status)
    if status in (404, 405):
        return NotFound(
            f"There is no Halo sign-in (token) endpoint at {creds.auth_server}.",
            hint="Leave the Authorisation Server empty unless Halo shows one under "
            "Configuration > Integrations > Halo API.",
            status=status,
        )
    if status >= 500:
        hint = None
        if creds.halo_tenant:
            hint = "Check the Tenant you entered: Halo answers a wrong tenant this way."
        return Unavailable(
            f"Halo's sign-in failed with a server error (HTTP {status}).", hint=hint, status=status
        )
    return BadResponse(
        f"Halo's sign-in refused the request (HTTP {status}{f', {error}' if error else ''}).",
        status=status,
    )


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
