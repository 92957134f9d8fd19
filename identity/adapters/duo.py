"""Duo: the connection test and a push to Duo Mobile, through Duo's Auth API v2.

With Duo's own client, duo_client (behind our outbound guard: duo_http.py):

- test_connection: GET /auth/v2/check, which needs the keys to sign (ping does not);
- send_push: POST /auth/v2/preauth for the user (auth / enroll / deny / allow), then
  POST /auth/v2/auth with factor=push to a device that can take one, async, with a
  title (`type`) and details (`pushinfo`) naming the MSP and the ticket;
- push_answer: GET /auth/v2/auth_status for the transaction.

Errors are worded in duo_errors.py. The secret key is only ever handed to duo_client
to sign; it is never logged or shown.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from identity import addresses
from identity.adapters import (
    Answer,
    LockedOut,
    NoPushDevice,
    NoSuchUser,
    NotEnrolled,
    ProviderError,
    PushMessage,
    PushSent,
)
from identity.adapters.duo_errors import HOST_HINT, DuoRefused, readable
from identity.adapters.duo_http import GuardedAuth
from identity.models import IdentityProvider
from integrations import netsafe

logger = logging.getLogger("identity.duo")

T = TypeVar("T")

# Somebody waits for every call (the admin testing, the technician in the tab).
TIMEOUT_SECONDS = 10.0
# Duo long-polls auth_status: it answers when the push's state changes. We wait this
# long, then report "still waiting" and the tab asks again.
POLL_SECONDS = 5.0
# How long Duo Mobile shows a push before the attempt ends as "timeout": 60 seconds.
# Not found in Duo's own API reference; stated by Duo users' guides (e.g. Stanford's
# https://uit.stanford.edu/service/authentication/twostep/push: "you have 60 seconds
# to approve the request") and modelled so by our Duo sandbox.
PUSH_LIFETIME = timedelta(seconds=60)
# Duo's transaction ids are UUIDs; anything else did not come from Duo.
_TXID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
# Duo shows pushinfo as lines; each value is kept short (its total must stay < 20,000 bytes).
_FIELD_MAX = 100


class _NoUpdate(Exception):
    """auth_status sent nothing within POLL_SECONDS: nothing has changed yet."""


def test_connection(provider: IdentityProvider) -> str:
    client = _client(provider, TIMEOUT_SECONDS)
    _call(provider, client, "check", client.check)
    return f"Connected to Duo at {_label(client)}: the integration key and secret key work."


def send_push(provider: IdentityProvider, login: str, message: PushMessage) -> PushSent:
    client = _client(provider, TIMEOUT_SECONDS)
    try:
        found = _call(provider, client, "preauth", lambda: client.preauth(username=login))
    except DuoRefused as e:
        if e.status == 400 and "username" in e.detail:
            raise NoSuchUser(f"Duo has no user {login}. {_CHECK_LOGIN}") from None
        raise
    device = _push_device(found, login)
    sent = _call(
        provider,
        client,
        "auth",
        lambda: client.auth(
            factor="push",
            device=device["device"],
            username=login,
            async_txn=True,
            type=_short(f"{message.msp_name} identity check"),
            display_username=_short(login),
            pushinfo=_pushinfo(message),
        ),
    )
    txid = sent.get("txid") if isinstance(sent, dict) else None
    if not isinstance(txid, str) or not _TXID.match(txid):
        raise ProviderError(f"Duo accepted the push but did not say how to follow it. {HOST_HINT}")
    return PushSent(ref=txid, device=_device_label(device), lifetime=PUSH_LIFETIME)


def push_answer(provider: IdentityProvider, ref: str) -> Answer:
    if not isinstance(ref, str) or not _TXID.match(ref):
        raise ProviderError("This is not a Duo push we sent; send a new push.")
    client = _client(provider, POLL_SECONDS)
    try:
        state = _call(
            provider,
            client,
            "auth_status",
            lambda: client.json_api_call("GET", "/auth/v2/auth_status", {"txid": ref}),
            long_poll=True,
        )
    except _NoUpdate:
        return Answer.WAITING
    except DuoRefused as e:
        if e.status == 400 and "txid" in e.detail:
            raise ProviderError("Duo no longer knows this push; send a new one.") from None
        raise
    return _answer(state)


# -- the steps ------------------------------------------------------------------------

_CHECK_LOGIN = (
    "Check the contact's email in Halo, or name the Halo field that holds their Duo "
    "username in this provider's settings."
)


def _push_device(preauth: Any, login: str) -> dict[str, Any]:
    """The first of the user's devices that can take a push, or why there is none."""
    if not isinstance(preauth, dict):
        raise ProviderError(f"Duo's answer about {login} was not in the form we expected.")
    result = preauth.get("result")
    said = _quoted(preauth.get("status_msg"))
    if result == "auth":
        devices = preauth.get("devices")
        pushable = [
            d
            for d in (devices if isinstance(devices, list) else [])
            if isinstance(d, dict)
            and isinstance(d.get("device"), str)
            and "push" in (d.get("capabilities") or [])
        ]
        if not pushable:
            raise NoPushDevice(
                f"{login} has no device in Duo that can take a push (only text messages or "
                "phone calls). Verify the caller another way, or ask them to activate Duo "
                "Mobile."
            )
        return pushable[0]
    if result == "enroll":
        raise NotEnrolled(
            f"{login} is not enrolled in Duo, or Duo does not know them{said}. They need "
            "to set up Duo Mobile before they can be sent a push. Verify the caller "
            "another way."
        )
    if result == "deny":
        # Duo denies users it has locked out or that an administrator disabled.
        raise LockedOut(
            f"Duo refuses {login}{said}. A Duo administrator can unlock or re-enable "
            "the user in Duo's Admin Panel (Users)."
        )
    if result == "allow":
        # Bypass: Duo would let this user in with no second factor, so an "approved"
        # push would prove nothing. Never green.
        raise ProviderError(
            f"Duo lets {login} in without a second factor{said}, so a push would prove "
            "nothing. Verify the caller another way."
        )
    raise ProviderError(f"Duo answered {login}'s check with something we do not know.")


def _answer(state: Any) -> Answer:
    result = state.get("result") if isinstance(state, dict) else None
    status = state.get("status") if isinstance(state, dict) else None
    if result == "waiting":
        return Answer.WAITING
    if result == "allow":
        return Answer.APPROVED
    if result == "deny":
        # Denied covers "deny", "fraud" (the user reported it) and lockouts alike;
        # only an unanswered push that expired is a timeout.
        return Answer.TIMED_OUT if status == "timeout" else Answer.DENIED
    raise ProviderError("Duo's answer about the push was not one we know. Send a new push.")


def _pushinfo(message: PushMessage) -> str:
    # Key/value lines Duo Mobile shows under the request (URL-encoded, as Duo asks).
    lines = [
        ("From", _short(message.msp_name)),
        ("Ticket", f"#{message.ticket_id}"),
        ("Technician", _short(message.technician)),
    ]
    return urlencode([(k, v) for k, v in lines if v], quote_via=quote)


def _device_label(device: dict[str, Any]) -> str:
    shown = device.get("display_name") or device.get("name") or ""
    return f"Duo Mobile on {shown}" if isinstance(shown, str) and shown else "Duo Mobile"


def _short(text: str) -> str:
    return " ".join(str(text).split())[:_FIELD_MAX]


def _quoted(said: Any) -> str:
    said = " ".join(str(said).split())[:200] if said else ""
    return f" (Duo says: “{said}”)" if said else ""


# -- calling Duo ------------------------------------------------------------------------


def _client(provider: IdentityProvider, timeout: float) -> GuardedAuth:
    private_ok = netsafe.allow_private()
    try:
        where = addresses.duo_address(provider.duo_api_host, allow_private=private_ok)
    except addresses.AddressError as e:
        raise ProviderError(e.message) from None
    ikey = (provider.duo_integration_key or "").strip()
    skey = (provider.duo_secret_key or "").strip()
    if not ikey or not skey:
        raise ProviderError(
            "Enter the integration key and secret key of the Auth API application in "
            "Duo's Admin Panel."
        )
    return GuardedAuth(ikey, skey, where, allow_private=private_ok, timeout=timeout)


def _label(client: GuardedAuth) -> str:
    where = client.where
    if where.scheme == "https" and where.port == 443 and not where.prefix:
        return where.host
    return f"{where.scheme}://{where.host}:{where.port}{where.prefix}"


def _call(
    provider: IdentityProvider,
    client: GuardedAuth,
    action: str,
    call: Callable[[], T],
    *,
    long_poll: bool = False,
) -> T:
    try:
        return call()
    except Exception as e:
        if long_poll and isinstance(e, TimeoutError):
            raise _NoUpdate from e
        where = _label(client)
        error = readable(e, host=client.where.host, where=where, timeout=client.timeout)
        if error is None:
            raise
        # The kind and status only: messages may hold the caller's email.
        logger.warning(
            "Duo %s failed for provider %s: %s %s",
            action,
            provider.pk,
            type(e).__name__,
            getattr(e, "status", ""),
        )
        raise error from e
