"""Sign-in hardening: the login throttle's hooks into django-axes, and staff 2FA.

Axes counts failed sign-ins per username and client address together (settings
AXES_*); LoginThrottleHandler adds a much higher limit per address alone. This
module tells axes what a lockout looks like and which failures a correct password
forgives; the client's address comes from mspprocess.client_ip. The middleware
sends staff who signed in with a password, but have not entered a TOTP code this
session, to /accounts/2fa/ (mspprocess.core.twofactor) before any admin page opens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django_otp import user_has_device

# Re-exported for callers that imported it from here; the one definition is there.
from mspprocess.client_ip import client_ip as client_ip

# Says what lifts the lock: time, or an administrator (who deletes the failures, see
# docs/operations.md). Not a password reset: a lock is counted by failures, and a new
# password does not erase them.
LOCKOUT_MESSAGE = (
    "Too many failed sign-ins. Sign-in is paused here for 15 minutes: "
    "wait and try again, or ask an administrator to lift the pause."
)


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
        # The tab's frame-ancestors travel as django-csp's per-response policy, not a header yet.
        if hasattr(original_response, "_csp_replace"):
            response._csp_replace = original_response._csp_replace  # type: ignore[attr-defined]
        return response
    return render(request, "registration/lockout.html", {"message": LOCKOUT_MESSAGE}, status=status)


def address_failures(ip_address: str, request: HttpRequest) -> int:
    """Failed sign-ins from one address, against any account, within the cool-off.

    Summed over axes' own rows (one per username, address and browser), so the limit
    per address lifts the same way as axes' lock: by time, or by an administrator
    deleting the rows.
    """
    attempts = AccessAttempt.objects.filter(
        ip_address=ip_address, attempt_time__gte=get_cool_off_threshold(request)
    )
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


def address_is_locked(request: HttpRequest) -> bool:
    """True when this address passed SIGNIN_ADDRESS_FAILURE_LIMIT failures.

    Without an IP (a unix socket and no proxy) there is no address to limit: counting
    every such client together would bring back the office-wide lock.
    """
    ip_address = getattr(request, "axes_ip_address", None)
    if not ip_address:
        return False
    return address_failures(ip_address, request) >= settings.SIGNIN_ADDRESS_FAILURE_LIMIT


class LoginThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler, with a limit per address alone and a narrower reset.

    Axes locks per username and address (AXES_LOCKOUT_PARAMETERS), so one person's
    typos no longer lock their whole office. Spraying one password over many
    accounts from one address still needs a stop, at a much higher count: axes has a
    single AXES_FAILURE_LIMIT for every parameter set, so it cannot hold 5 per user
    and address and 50 per address at once. The second limit is checked here, over
    axes' own rows, rather than with a cache counter: it then survives a cache
    outage and lifts exactly when axes' lock does.

    Axes' own reset deletes every failure matching any lockout parameter, i.e. all
    failures from the client's address, against any account. Someone with one
    valid account could then sign in to it between guesses at another and never
    be locked out. Here success forgives only this client's failures for this
    account.
    """

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or address_is_locked(request)

    def user_login_failed(
        self, sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        # Axes decides the lock on this failure by its own count only; the failure
        # that reaches the address limit is refused too, not just the next one.
        if request is not None and not request.axes_locked_out and address_is_locked(request):  # type: ignore[attr-defined]
            request.axes_locked_out = True  # type: ignore[attr-defined]
            request.axes_credentials = credentials  # type: ignore[attr-defined]

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
