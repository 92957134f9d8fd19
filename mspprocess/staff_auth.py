"""Sign-in hardening: the login throttle's hooks into django-axes, and staff 2FA.

Axes counts failed sign-ins per username and per client address (settings AXES_*);
this module tells it where the client's address is, what a lockout looks like, and
which failures a correct password forgives. The middleware sends staff who signed
in with a password, but have not entered a TOTP code this session, to
/accounts/2fa/ (mspprocess.twofactor) before any admin page opens.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django_otp import user_has_device

LOCKOUT_MESSAGE = (
    "Too many failed sign-ins for this account or address. "
    "Try again in 15 minutes, or reset your password."
)


def client_ip(request: HttpRequest) -> str | None:
    """The address failed sign-ins are counted against (AXES_CLIENT_IP_CALLABLE).

    Behind our proxy REMOTE_ADDR is the proxy itself, so every client would share
    one counter; the client is the entry the proxy appended to X-Forwarded-For.
    Entries further left came from the client and can be forged, and without a
    proxy the whole header can: it is read only when SECURE_PROXY_SSL_HEADER says
    a proxy is there.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    if not getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [h for h in hops if h]
    count = max(1, int(getattr(settings, "TRUSTED_PROXY_COUNT", 1)))
    if len(hops) < count:
        return remote  # not through all our proxies: no trustworthy entry
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return remote


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """What a locked-out sign-in gets (AXES_LOCKOUT_CALLABLE): status 429, no username.

    The same words whether or not the account exists, since axes counts failures
    for any username. The tab signs in with fetch() and reads JSON, so a JSON reply
    stays JSON, keeping the tab's own headers (framing, caching, no cookie).
    """
    status = settings.AXES_HTTP_RESPONSE_CODE
    if original_response is not None and original_response.get("Content-Type", "").startswith(
        "application/json"
    ):
        response = JsonResponse({"error": LOCKOUT_MESSAGE}, status=status)
        for header, value in original_response.items():
            if header.lower() not in ("content-type", "content-length"):
                response[header] = value
        if getattr(original_response, "xframe_options_exempt", False):
            response.xframe_options_exempt = True  # type: ignore[attr-defined]
        return response
    return render(request, "registration/lockout.html", {"message": LOCKOUT_MESSAGE}, status=status)


class LoginThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler, with a narrower reset on a successful sign-in.

    Axes' own reset deletes every failure matching any lockout parameter, i.e. all
    failures from the client's address, against any account. Someone with one
    valid account could then sign in to it between guesses at another and never
    be locked out. Here success forgives only this client's failures for this
    account.
    """

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
        ).delete()
        return count


def needs_second_factor(request: HttpRequest) -> bool:
    """True for a signed-in staff member who owes a TOTP code in this session.

    Required of all staff with STAFF_REQUIRE_2FA (read per request, so tests can
    flip it); without it, of staff who chose to enrol, or enrolling would protect
    nothing.
    """
    user = request.user
    if not (user.is_authenticated and user.is_staff) or user.is_verified():  # type: ignore[union-attr]
        return False
    return bool(getattr(settings, "STAFF_REQUIRE_2FA", True)) or user_has_device(user)


def redirect_to_second_factor(request: HttpRequest) -> HttpResponse:
    """To /accounts/2fa/, coming back here after a good code."""
    return redirect_to_login(request.get_full_path(), reverse("staff_2fa"))


class StaffTwoFactorMiddleware:
    """Send staff without a TOTP check this session from /admin/ to /accounts/2fa/.

    Must come after django_otp's OTPMiddleware, which adds user.is_verified().
    The admin's logout stays open so nobody is stuck half signed in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if (
            path.startswith(reverse("admin:index"))
            and path != reverse("admin:logout")
            and needs_second_factor(request)
        ):
            return redirect_to_second_factor(request)
        return self.get_response(request)
