"""Duo's Auth API v2 endpoints: ping, check, preauth, auth (push), auth_status.

Parameters come from the query string (GET), a form body (v2 signatures) or a JSON
body (v4/v5, what duo_client sends); each view reads only what Duo documents for it.
A value with NUL is refused as invalid: no Duo value holds one, and PostgreSQL refuses
to store or compare it.
"""

from __future__ import annotations

import time

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from integrations.duo_sandbox import pushes, replies
from integrations.duo_sandbox.endpoint import Params, duo_api
from integrations.duo_sandbox.models import DuoDevice, DuoIntegration, DuoPush, DuoUser

# Duo: "The URL-encoded string's total length must be less than 20,000 bytes."
PUSHINFO_MAX_BYTES = 20_000
# The longest value the sandbox stores from a caller (Duo documents no limit for
# type and display_username; unconfirmed).
TEXT_MAX = 1000
# How often a synchronous auth looks at its push while it waits.
SYNC_POLL_SECONDS = 0.2

# preauth's status_msg: "auth" and "enroll" are Duo's documented examples; the
# wording for a locked-out or bypass user is unconfirmed.
ACTIVE_MSG = "Account is active"
ENROLL_MSG = "Enroll an authentication device to proceed"
LOCKED_MSG = "Your account is locked out. Contact your administrator."
DISABLED_MSG = "Your account is disabled. Contact your administrator."
BYPASS_MSG = "Your account is in bypass mode."


class Invalid(Exception):
    def __init__(self, reply: HttpResponse) -> None:
        self.reply = reply


def _text(params: Params, name: str, *, limit: int = TEXT_MAX) -> str:
    value = params.get(name, "")
    if "\x00" in value or len(value) > limit:
        raise Invalid(replies.fail(replies.INVALID_PARAMS, name))
    return value


def _user(params: Params) -> DuoUser | None:
    """The user named by username or user_id (None: not known to Duo)."""
    username = _text(params, "username")
    user_id = _text(params, "user_id")
    if not username and not user_id:
        raise Invalid(replies.fail(replies.MISSING_PARAMS, "username"))
    if user_id:
        return DuoUser.objects.filter(user_id=user_id).first()
    return DuoUser.objects.filter(username=username).first()


def _now() -> dict[str, int]:
    return {"time": int(time.time())}


@duo_api("GET", signed=False)
def ping(request: HttpRequest, integration: None, params: Params) -> HttpResponse:
    # The one endpoint without a signature: a liveness check.
    return replies.ok(_now())


@duo_api("GET")
def check(request: HttpRequest, integration: DuoIntegration, params: Params) -> HttpResponse:
    return replies.ok(_now())


@duo_api("POST")
def preauth(request: HttpRequest, integration: DuoIntegration, params: Params) -> HttpResponse:
    try:
        user = _user(params)
    except Invalid as refused:
        return refused.reply
    enroll = {
        "result": "enroll",
        "status_msg": ENROLL_MSG,
        # Where Duo's self-service enrollment starts (not modelled: an address only).
        "enroll_portal_url": f"https://{integration.api_host or 'duo.invalid'}/portal?code=sandbox",
    }
    # Duo's default new-user policy is "Require enrollment": an unknown username
    # answers "enroll", exactly as a known one without a device does.
    if user is None:
        return replies.ok(enroll)
    if user.status == DuoUser.Status.LOCKED_OUT:
        return replies.ok({"result": "deny", "status_msg": LOCKED_MSG})
    if user.status == DuoUser.Status.DISABLED:
        return replies.ok({"result": "deny", "status_msg": DISABLED_MSG})
    if user.status == DuoUser.Status.BYPASS:
        return replies.ok({"result": "allow", "status_msg": BYPASS_MSG})
    devices = list(user.devices.all())
    if not devices:
        return replies.ok(enroll)
    return replies.ok(
        {"result": "auth", "status_msg": ACTIVE_MSG, "devices": [d.to_duo() for d in devices]}
    )


def _push_device(user: DuoUser, wanted: str) -> DuoDevice | None:
    devices = [d for d in user.devices.all() if d.can_push]
    if wanted == "auto":
        return devices[0] if devices else None
    return next((d for d in devices if d.device == wanted), None)


def _is_async(params: Params) -> bool:
    value = params.get("async", "")
    if value in ("1", "true"):
        return True
    if value in ("", "0", "false"):
        return False
    raise Invalid(replies.fail(replies.INVALID_PARAMS, "async"))


def _start_push(integration: DuoIntegration, params: Params) -> DuoPush:
    factor = _text(params, "factor")
    if not factor:
        raise Invalid(replies.fail(replies.MISSING_PARAMS, "factor"))
    # The sandbox models Duo Push only: passcode, sms and phone are not modelled.
    if factor not in ("push", "auto"):
        raise Invalid(replies.fail(replies.INVALID_PARAMS, "factor"))
    user = _user(params)
    wanted = _text(params, "device") or ("auto" if factor == "auto" else "")
    if not wanted:
        raise Invalid(replies.fail(replies.MISSING_PARAMS, "device"))
    pushinfo = params.get("pushinfo", "")
    if "\x00" in pushinfo or len(pushinfo.encode()) >= PUSHINFO_MAX_BYTES:
        raise Invalid(replies.fail(replies.INVALID_PARAMS, "pushinfo"))
    text = {
        "type": _text(params, "type"),
        "display_username": _text(params, "display_username"),
        "pushinfo": pushinfo,
    }
    if user is None:
        raise Invalid(replies.fail(replies.INVALID_PARAMS, "username"))
    if user.status in (DuoUser.Status.LOCKED_OUT, DuoUser.Status.DISABLED):
        # The attempt is recorded and ends at once: nothing reaches the phone.
        msg = LOCKED_MSG if user.status == DuoUser.Status.LOCKED_OUT else DISABLED_MSG
        return pushes.send(integration, user, None, refused=("deny", msg), **text)
    device = _push_device(user, wanted)
    if device is None:
        # No device of this user can take a push (SMS/phone only, or none enrolled).
        raise Invalid(replies.fail(replies.INVALID_PARAMS, "device"))
    push = pushes.send(integration, user, device, **text)
    if user.status == DuoUser.Status.BYPASS:
        DuoPush.objects.filter(pk=push.pk).update(answer="allow", answered_at=push.created)
        push.refresh_from_db()
    return push


@duo_api("POST")
def auth(request: HttpRequest, integration: DuoIntegration, params: Params) -> HttpResponse:
    try:
        asynchronous = _is_async(params)
        push = _start_push(integration, params)
    except Invalid as refused:
        return refused.reply
    if asynchronous:
        return replies.ok({"txid": push.txid})
    # Synchronous: Duo answers once the user has (or the push timed out).
    state = pushes.state_of(push)
    while state.result == "waiting":
        time.sleep(SYNC_POLL_SECONDS)
        push.refresh_from_db()
        state = pushes.state_of(push, timezone.now())
    return replies.ok(state.to_duo())


@duo_api("GET")
def auth_status(request: HttpRequest, integration: DuoIntegration, params: Params) -> HttpResponse:
    try:
        txid = _text(params, "txid", limit=36)
    except Invalid as refused:
        return refused.reply
    if not txid:
        return replies.fail(replies.MISSING_PARAMS, "txid")
    # A transaction belongs to the integration that started it.
    push = DuoPush.objects.filter(txid=txid, integration=integration).first()
    if push is None:
        return replies.fail(replies.INVALID_PARAMS, "txid")
    # Duo long-polls here (answers when the state changes); the sandbox answers at
    # once, which a polling client handles the same way.
    return replies.ok(pushes.state_of(push).to_duo())


@duo_api("GET", "POST", "PUT", "PATCH", "DELETE", signed=False)
def not_found(request: HttpRequest, integration: None, params: Params, rest: str) -> HttpResponse:
    return replies.fail(replies.NOT_FOUND)
