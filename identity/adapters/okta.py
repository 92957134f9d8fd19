"""Okta: the connection test and a push to Okta Verify, through Okta's Management API.

Requests go through the outbound guard (`netsafe.safe_session`: the org URL is as
hostile as any URL a customer types) with `Authorization: SSWS <API token>`:

- test_connection: GET /api/v1/users?limit=1, a read that needs a valid token
  (`/users/me` would answer for the token's admin, which proves less);
- send_push: GET /api/v1/users?search=profile.login eq "…" or profile.email eq "…",
  GET /api/v1/users/{id}/factors, then POST …/factors/{factorId}/verify with
  {"useNumberMatchingChallenge": true}: 201 WAITING, with the number to pick when
  the enrollment can match numbers;
- push_answer: GET …/factors/{factorId}/transactions/{transactionId}, the path of
  the `poll` link, always built from the provider's own org URL.

Okta's errors are {errorCode, errorSummary, errorCauses}; each becomes a
ProviderError in Okta's words with what to do. The token is never logged or shown.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import requests

import mspprocess
from identity import addresses
from identity.adapters import (
    AmbiguousUser,
    Answer,
    LockedOut,
    NoPushDevice,
    NoSuchUser,
    NotEnrolled,
    ProviderError,
    PushMessage,
    PushSent,
)
from identity.adapters.okta_errors import (
    OktaRefused,
    api_error,
    org_hint,
    outbound_error,
    transport_error,
)
from identity.models import IdentityProvider
from integrations import netsafe

logger = logging.getLogger("identity.okta")

USER_AGENT = f"MSPProcess/{mspprocess.__version__}"
# (connect, read) seconds: somebody waits for every call.
TIMEOUT = (5.0, 10.0)
# Okta's push transactions expire after tokenLifetimeSeconds, 300 by default; used
# when the reply's expiresAt cannot be read.
PUSH_LIFETIME = timedelta(minutes=5)
# Okta's ids ("00u…", "opf…", "v2mst.…"): letters, digits and a few marks, never "/",
# and never only dots ("." and ".." would walk up the path).
_ID = re.compile(r"^(?=[^.]*[A-Za-z0-9])[A-Za-z0-9._~-]{1,100}$")
_TRANSACTION_PATH = re.compile(r"/users/([^/]+)/factors/([^/]+)/transactions/([^/]+)$")
# Statuses in which Okta will not let the user sign in, in words for the technician.
_BLOCKED = {"LOCKED_OUT": "locked out", "SUSPENDED": "suspended", "DEPROVISIONED": "deactivated"}
# Created but never activated: no Okta Verify can be enrolled yet.
_NOT_ACTIVATED = {"STAGED", "PROVISIONED"}
_RESULTS = {
    "WAITING": Answer.WAITING,
    "SUCCESS": Answer.APPROVED,
    "REJECTED": Answer.DENIED,
    "TIMEOUT": Answer.TIMED_OUT,
}
_CHECK_LOGIN = (
    "Check the contact's email in Halo, or name the Halo field that holds their Okta "
    "sign-in name in this provider's settings."
)


def test_connection(provider: IdentityProvider) -> str:
    with _Org(provider) as org:
        users = org.call("GET", "/users", params={"limit": "1"})
        if not isinstance(users, list):
            raise ProviderError(f"The answer from {org.base} was not Okta's. {org_hint()}")
        return f"Connected to Okta at {org.base}: the API token works and can read users."


def send_push(provider: IdentityProvider, login: str, message: PushMessage) -> PushSent:
    # Okta's Factors API shows its own text on the phone: `message` has no place here.
    with _Org(provider) as org:
        user_id = _find_user(org, login)
        factor = _push_factor(org.call("GET", f"/users/{user_id}/factors"), login)
        sent = org.call(
            "POST",
            f"/users/{user_id}/factors/{factor['id']}/verify",
            body={"useNumberMatchingChallenge": True},
        )
        return _push_sent(sent, user_id, factor)


def push_answer(provider: IdentityProvider, ref: str) -> Answer:
    user_id, factor_id, transaction_id = _parse_ref(ref)
    with _Org(provider) as org:
        try:
            state = org.call(
                "GET", f"/users/{user_id}/factors/{factor_id}/transactions/{transaction_id}"
            )
        except OktaRefused as e:
            if e.status == 404:
                raise ProviderError(
                    "Okta no longer knows this push (it may have been cancelled); send a new one."
                ) from None
            raise
    result = state.get("factorResult") if isinstance(state, dict) else None
    answer = _RESULTS.get(result) if isinstance(result, str) else None
    if answer is None:
        # CANCELLED, ERROR, FAILED…: no answer from the caller, and never green.
        said = f" ({result})" if isinstance(result, str) and result.isalnum() else ""
        raise ProviderError(f"Okta ended the push without an answer{said}. Send a new push.")
    return answer


# -- the steps ------------------------------------------------------------------------


def _find_user(org: _Org, login: str) -> str:
    users = org.call("GET", "/users", params={"search": _search(login)})
    if not isinstance(users, list):
        raise ProviderError(f"Okta's answer about {login} was not in the form we expected.")
    if not users:
        raise NoSuchUser(f"No Okta user has the sign-in name or email {login}. {_CHECK_LOGIN}")
    if len(users) > 1:
        # Never name them: the technician must not pick one for the caller.
        raise AmbiguousUser(
            f"{len(users)} Okta users have the sign-in name or email {login}, so we cannot "
            "tell which one is calling. Name the Halo field that holds each person's own "
            "Okta sign-in name in this provider's settings, or verify the caller another way."
        )
    user = users[0] if isinstance(users[0], dict) else {}
    user_id = user.get("id")
    if not isinstance(user_id, str) or not _ID.match(user_id):
        raise ProviderError(f"Okta's answer about {login} was not in the form we expected.")
    status = user.get("status") if isinstance(user.get("status"), str) else ""
    if status in _BLOCKED:
        raise LockedOut(
            f"Okta has {login}'s account {_BLOCKED[status]}. An Okta administrator can "
            "unlock or reactivate it in the Admin Console (Directory → People)."
        )
    if status in _NOT_ACTIVATED:
        raise NotEnrolled(
            f"{login} has not activated their Okta account yet, so they have no Okta Verify "
            "to push to. Verify the caller another way."
        )
    return user_id


def _search(login: str) -> str:
    # A quoted string in Okta's search expression: backslash and double quote escaped
    # (as in SCIM filters, which Okta's syntax follows).
    value = login.replace("\\", "\\\\").replace('"', '\\"')
    return f'profile.login eq "{value}" or profile.email eq "{value}"'


def _push_factor(factors: Any, login: str) -> dict[str, Any]:
    """The user's active Okta Verify push enrollment, or why there is none."""
    if not isinstance(factors, list):
        raise ProviderError(f"Okta's answer about {login}'s factors was not the list we expected.")
    known = [f for f in factors if isinstance(f, dict)]
    pushes = [f for f in known if f.get("factorType") == "push"]
    for factor in pushes:
        if factor.get("status") == "ACTIVE" and _ID.match(str(factor.get("id", ""))):
            return factor
    if pushes:
        raise NotEnrolled(
            f"{login} has not finished setting up Okta Verify, so there is nothing to push "
            "to. Verify the caller another way."
        )
    if any(f.get("status") == "ACTIVE" for f in known):
        raise NoPushDevice(
            f"{login} has no Okta Verify to push to in Okta (only factors such as text "
            "messages, calls or codes). Verify the caller another way, or ask them to set "
            "up Okta Verify."
        )
    raise NotEnrolled(
        f"{login} has not enrolled any factor in Okta, so there is nothing to push to. "
        "Verify the caller another way."
    )


def _push_sent(sent: Any, user_id: str, factor: dict[str, Any]) -> PushSent:
    sent = sent if isinstance(sent, dict) else {}
    if sent.get("factorResult") != "WAITING":
        raise ProviderError("Okta did not start the push. Try again, or send a code instead.")
    poll = sent.get("_links", {}).get("poll", {}) if isinstance(sent.get("_links"), dict) else {}
    href = poll.get("href") if isinstance(poll, dict) else None
    # Only the ids are taken from the link; the host is always the provider's own.
    match = _TRANSACTION_PATH.search(urlsplit(href).path) if isinstance(href, str) else None
    if (
        match is None
        or match.group(1) != user_id
        or match.group(2) != factor["id"]
        or not _ID.match(match.group(3))
    ):
        raise ProviderError("Okta started the push but did not say how to follow it.")
    profile = factor.get("profile") if isinstance(factor.get("profile"), dict) else {}
    name = profile.get("name")
    return PushSent(
        ref=f"{user_id}/{factor['id']}/{match.group(3)}",
        device=f"Okta Verify on {name}"[:100] if isinstance(name, str) and name else "Okta Verify",
        lifetime=_lifetime(sent.get("expiresAt")),
        number=_correct_answer(sent),
    )


def _correct_answer(sent: dict[str, Any]) -> str:
    # The Factors API puts it at _embedded.challenge; the Authentication API's
    # transactions at _embedded.factor._embedded.challenge. Either is read.
    embedded = sent.get("_embedded") if isinstance(sent.get("_embedded"), dict) else {}
    challenge = embedded.get("challenge")
    if not isinstance(challenge, dict):
        factor = embedded.get("factor") if isinstance(embedded.get("factor"), dict) else {}
        inner = factor.get("_embedded") if isinstance(factor.get("_embedded"), dict) else {}
        challenge = inner.get("challenge")
    answer = challenge.get("correctAnswer") if isinstance(challenge, dict) else None
    if isinstance(answer, bool) or answer is None:
        return ""
    text = str(answer).strip()
    return text if text.isascii() and text.isdigit() and len(text) <= 3 else ""


def _lifetime(expires_at: Any) -> timedelta:
    try:
        expires = datetime.fromisoformat(str(expires_at))
    except ValueError:
        return PUSH_LIFETIME
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    left = expires - datetime.now(UTC)
    # A clock far off (ours or Okta's) would give nonsense: keep Okta's default then.
    return left if timedelta(0) < left <= timedelta(days=1) else PUSH_LIFETIME


def _parse_ref(ref: str) -> tuple[str, str, str]:
    parts = ref.split("/") if isinstance(ref, str) else []
    if len(parts) != 3 or not all(_ID.match(p) for p in parts):
        raise ProviderError("This is not an Okta push we sent; send a new push.")
    return parts[0], parts[1], parts[2]


# -- calling Okta -----------------------------------------------------------------------


class _Org:
    """One provider's org for the length of one adapter call (its own session)."""

    def __init__(self, provider: IdentityProvider) -> None:
        self.provider_id = provider.pk
        try:
            self.base = addresses.normalize_okta_url(provider.okta_org_url)
        except addresses.AddressError as e:
            raise ProviderError(e.message) from None
        token = (provider.okta_api_token or "").strip()
        if not token:
            raise ProviderError(
                "Paste an API token from Okta's Admin Console (Security → API → Tokens)."
            )
        if not token.isascii() or not token.isprintable():
            raise ProviderError(
                "The API token holds characters Okta's tokens never have. Paste it again."
            )
        self._session = netsafe.safe_session()
        self._session.headers.update(
            {
                "Authorization": f"SSWS {token}",
                "Accept": "application/json",
                # Okta requires a User-Agent to verify push factors.
                "User-Agent": USER_AGENT,
            }
        )

    def __enter__(self) -> _Org:
        return self

    def __exit__(self, *exc: object) -> None:
        self._session.close()

    def call(
        self, method: str, path: str, *, params: dict[str, str] | None = None, body: Any = None
    ) -> Any:
        """Okta's JSON answer to one request (`path` below /api/v1, ids already checked)."""
        url = f"{self.base}/api/v1" + "/".join(quote(p, safe="") for p in path.split("/"))
        try:
            response = netsafe.request(
                self._session, method, url, params=params, json=body, timeout=TIMEOUT
            )
        except netsafe.OutboundError as e:
            self._log(method, path, type(e).__name__)
            raise outbound_error(e, self.base) from e
        except requests.RequestException as e:
            self._log(method, path, type(e).__name__)
            raise transport_error(e, self.base, TIMEOUT) from e
        if response.status_code >= 400:
            self._log(method, path, response.status_code)
            raise api_error(response, self.base, now=time.time())
        try:
            return response.json()
        except ValueError:
            self._log(method, path, "not JSON")
            raise ProviderError(
                f"The answer from {self.base} was not Okta's. {org_hint()}"
            ) from None

    def _log(self, method: str, path: str, outcome: object) -> None:
        # The route's shape, not its ids or query: those name people.
        shape = re.sub(r"/users/[^/]+", "/users/…", path)
        logger.warning(
            "Okta %s %s failed for provider %s: %s", method, shape, self.provider_id, outcome
        )
