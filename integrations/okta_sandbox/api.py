"""The Okta sandbox's API: Users and Factors, as Okta's Management API has them.

- GET  users?search=… | filter=… | q=…          listUsers
- GET  users/{id or login or login shortname}   getUser
- GET  users/{userId}/factors                   listFactors
- GET  users/{userId}/factors/{factorId}        getFactor
- POST users/{userId}/factors/{factorId}/verify verifyFactor (push: 201 WAITING)
- GET  users/{userId}/factors/{factorId}/transactions/{transactionId}
                                                getFactorTransactionStatus
- DELETE the same transaction                   the `cancel` link of a push
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from integrations.okta_sandbox import pushes, replies, search
from integrations.okta_sandbox.endpoint import api_view, base_url, json_body, usable
from integrations.okta_sandbox.models import (
    OktaFactor,
    OktaOrg,
    OktaPush,
    OktaUser,
    okta_datetime,
)

# Echo at most this much of a caller's id back in an error.
MAX_ECHO = 100


def _find_user(org: OktaOrg, key: str) -> OktaUser | None:
    """By id, by login (without case), or by a login's shortname when only one
    login has it ("harry.evans" for harry.evans@oakfield.example.com)."""
    if not usable(key):
        return None
    users = OktaUser.objects.filter(org=org)
    found = users.filter(pk=key).first() or users.filter(login__iexact=key).first()
    if found is None and "@" not in key:
        by_short = list(users.filter(login__istartswith=key + "@")[:2])
        found = by_short[0] if len(by_short) == 1 else None
    return found


def _find_factor(org: OktaOrg, user_id: str, factor_id: str) -> tuple[Any, HttpResponse | None]:
    """The user's factor, or Okta's 404 (the user's, when the user is unknown)."""
    if not usable(user_id) or not OktaUser.objects.filter(org=org, pk=user_id).exists():
        return None, replies.not_found(f"{user_id[:MAX_ECHO]} (User)")
    factor = (
        OktaFactor.objects.select_related("user__org").filter(user_id=user_id, pk=factor_id).first()
        if usable(factor_id)
        else None
    )
    if factor is None:
        return None, replies.not_found(f"{factor_id[:MAX_ECHO]} (UserFactor)")
    return factor, None


@api_view("users", ("GET",))
def users(request: HttpRequest, org: OktaOrg) -> HttpResponse:
    qs = OktaUser.objects.filter(org=org)
    expression = request.GET.get("search") or request.GET.get("filter")
    if expression is not None:
        selected = search.parse(expression)
        if selected is None:
            return replies.invalid_search()
        qs = qs.filter(selected)
    query = request.GET.get("q")
    if query:
        qs = qs.filter(search.quick(query)) if usable(query) else qs.none()
    base = base_url(request)
    return replies.ok([user.to_okta(base) for user in qs])


@api_view("users/{id}", ("GET",))
def user(request: HttpRequest, org: OktaOrg, key: str) -> HttpResponse:
    found = _find_user(org, key)
    if found is None:
        return replies.not_found(f"{key[:MAX_ECHO]} (User)")
    return replies.ok(found.to_okta(base_url(request)))


@api_view("users/{userId}/factors", ("GET",))
def factors(request: HttpRequest, org: OktaOrg, user_id: str) -> HttpResponse:
    if not usable(user_id) or not OktaUser.objects.filter(org=org, pk=user_id).exists():
        return replies.not_found(f"{user_id[:MAX_ECHO]} (User)")
    base = base_url(request)
    return replies.ok([f.to_okta(base) for f in OktaFactor.objects.filter(user_id=user_id)])


@api_view("users/{userId}/factors/{factorId}", ("GET",))
def factor(request: HttpRequest, org: OktaOrg, user_id: str, factor_id: str) -> HttpResponse:
    found, error = _find_factor(org, user_id, factor_id)
    return error or replies.ok(found.to_okta(base_url(request)))


def _lifetime(request: HttpRequest, org: OktaOrg) -> tuple[int, HttpResponse | None]:
    raw = request.GET.get("tokenLifetimeSeconds")
    if raw is None:
        return pushes.lifetime(org), None
    text = raw.strip()
    if text.isascii() and text.isdigit() and len(text) <= 5:
        seconds = int(text)
        if 1 <= seconds <= pushes.MAX_LIFETIME_SECONDS:
            return seconds, None
    return 0, replies.validation_failed(
        "tokenLifetimeSeconds",
        [f"tokenLifetimeSeconds: must be between 1 and {pushes.MAX_LIFETIME_SECONDS}"],
    )


@api_view("users/{userId}/factors/{factorId}/verify", ("POST",))
def verify(request: HttpRequest, org: OktaOrg, user_id: str, factor_id: str) -> HttpResponse:
    found, error = _find_factor(org, user_id, factor_id)
    if error:
        return error
    body, error = json_body(request)
    if error:
        return error
    if body is not None and not isinstance(body, dict):
        return replies.not_well_formed()
    body = body or {}
    if found.user.status == OktaUser.Status.LOCKED_OUT:
        return replies.user_locked()
    if found.status != OktaFactor.Status.ACTIVE:
        # Okta's answer for a factor not yet activated is unconfirmed.
        return replies.validation_failed("factorId", ["The factor is not active."])
    if found.factor_type == OktaFactor.Type.PUSH:
        return _send_push(request, org, found, body)
    return _verify_code(request, found, body)


def _send_push(
    request: HttpRequest, org: OktaOrg, factor: OktaFactor, body: dict[str, Any]
) -> HttpResponse:
    wants_number = body.get("useNumberMatchingChallenge", False)
    if not isinstance(wants_number, bool):
        return replies.validation_failed(
            "useNumberMatchingChallenge", ["useNumberMatchingChallenge: must be a boolean"]
        )
    seconds, error = _lifetime(request, org)
    if error:
        return error
    push = pushes.send(
        factor,
        number_challenge=wants_number,
        lifetime_seconds=seconds,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        client_ip=request.META.get("HTTP_X_FORWARDED_FOR", ""),
    )
    # The verify reply is the WAITING transaction without its profile (as Okta's
    # example shows it); polls add the profile.
    reply = _transaction(request, push)
    reply.pop("profile", None)
    return replies.ok(reply, status=201)


def _verify_code(request: HttpRequest, factor: OktaFactor, body: dict[str, Any]) -> HttpResponse:
    """SMS, call and TOTP: the sandbox delivers no codes, so it issues challenges
    (sms, call) but accepts no passcode."""
    base = base_url(request)
    href = f"{base}/users/{factor.user_id}/factors/{factor.id}"
    if "passCode" in body:
        return replies.okta_error(403, "E0000068", "Invalid Passcode/Answer")
    if factor.factor_type in (OktaFactor.Type.SMS, OktaFactor.Type.CALL):
        return replies.ok(
            {
                "factorResult": "CHALLENGE",
                "profile": factor.profile,
                "_links": _retry_links(href),
            }
        )
    return replies.validation_failed("passCode", ["passCode: may not be null"])


def _retry_links(factor_href: str) -> dict[str, Any]:
    return {
        "verify": {"href": f"{factor_href}/verify", "hints": {"allow": ["POST"]}},
        "factor": {"href": factor_href, "hints": {"allow": ["GET", "DELETE"]}},
    }


def _transaction(request: HttpRequest, push: OktaPush) -> dict[str, Any]:
    """A push transaction as Okta's getFactorTransactionStatus answers it."""
    factor = push.factor
    result = push.result_at()
    profile = {"credentialId": factor.profile.get("credentialId", factor.user.login)}
    if result == OktaPush.SUCCESS:
        return {"factorResult": result}
    factor_href = f"{base_url(request)}/users/{factor.user_id}/factors/{factor.id}"
    if result != OktaPush.WAITING:
        return {"factorResult": result, "profile": profile, "_links": _retry_links(factor_href)}
    poll = request.build_absolute_uri(
        reverse("okta_sandbox:transaction", args=[factor.user_id, factor.id, push.id])
    )
    data: dict[str, Any] = {
        "expiresAt": okta_datetime(push.expires),
        "factorResult": result,
        "profile": profile,
        "_links": {
            "poll": {"href": poll, "hints": {"allow": ["GET"]}},
            "cancel": {"href": poll, "hints": {"allow": ["DELETE"]}},
        },
    }
    if push.correct_answer is not None:
        data["_embedded"] = {"challenge": {"correctAnswer": push.correct_answer}}
    return data


@api_view("users/{userId}/factors/{factorId}/transactions/{transactionId}", ("GET", "DELETE"))
def transaction(
    request: HttpRequest, org: OktaOrg, user_id: str, factor_id: str, transaction_id: str
) -> HttpResponse:
    found, error = _find_factor(org, user_id, factor_id)
    if error:
        return error
    push = (
        OktaPush.objects.select_related("factor__user")
        .filter(factor=found, pk=transaction_id)
        .first()
        if usable(transaction_id)
        else None
    )
    if push is None:
        return replies.not_found(f"{transaction_id[:MAX_ECHO]} (Transaction)")
    if request.method == "DELETE":
        # Okta's `cancel` link names DELETE; its answer and what a later poll sees
        # are unconfirmed. Here the push is withdrawn from the device (204) and the
        # transaction is gone (404), so nothing can approve it afterwards.
        push.delete()
        return HttpResponse(status=204)
    return replies.ok(_transaction(request, push))


@api_view("unknown", ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
def unknown(request: HttpRequest, org: OktaOrg, rest: str = "") -> HttpResponse:
    # Okta answers an address it has no resource for with its 404 error object.
    return replies.not_found(f"/api/v1/{rest[:MAX_ECHO]}")
