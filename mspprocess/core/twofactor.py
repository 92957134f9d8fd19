"""/accounts/2fa/: staff enrol an authenticator app, then enter its codes.

One page with two faces. Without a confirmed TOTP device the user enrols: we show
the secret (a QR code and the same key as text), and the device counts only once
a code from the app proved it was copied right. With one, they enter a code. A
good code marks this session verified (django_otp.login), which the admin needs
(see mspprocess.core.staff_auth). Wrong codes are throttled by django-otp itself: each
failure doubles the wait before the device accepts the next try.

The secret is stored only as django-otp stores it (TOTPDevice.key) and appears
only on the enrolment page, to the person enrolling, with caching off.
"""

from __future__ import annotations

import logging
from base64 import b32encode

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

log = logging.getLogger(__name__)

DEVICE_NAME = "Authenticator app"


class CodeForm(forms.Form):
    code = forms.RegexField(
        regex=r"^\d{6}$",
        label="6-digit code",
        help_text="The code your authenticator app shows for MSP Process right now.",
        error_messages={"invalid": "Enter the 6 digits your app shows, without spaces."},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


def _next_url(request: HttpRequest) -> str:
    """Where to go after the check: `next` if it stays on this site, else the admin."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("admin:index")


def _wait_message(device: TOTPDevice) -> str | None:
    """Why the device refuses to check codes right now, if it does."""
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    seconds = 1
    if info and info.get("locked_until"):
        seconds = max(1, int((info["locked_until"] - timezone.now()).total_seconds()) + 1)
    return f"Too many wrong codes. Wait {seconds} seconds, then enter the current code."


def _check(request: HttpRequest, device: TOTPDevice, form: CodeForm) -> bool:
    """Check the form's code against the device, adding the reason to the form if not."""
    if not form.is_valid():
        return False
    wait = _wait_message(device)
    if wait:
        form.add_error("code", wait)
        return False
    # django_otp.verify_token locks the row: one code cannot pass twice in a race.
    if verify_token(request.user, device.persistent_id, form.cleaned_data["code"]) is None:
        form.add_error("code", "That code is not right. Enter the code your app shows now.")
        return False
    return True


def _enrol_context(device: TOTPDevice) -> dict:
    qr = segno.make(device.config_url, error="m")
    key = b32encode(device.bin_key).decode()
    return {
        "qr_svg": qr.svg_inline(scale=4, dark="#000", light="#fff", title="QR code"),
        # Groups of four are easier to type into an app by hand.
        "secret": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
    }


@never_cache
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_staff:
        raise Http404("Two-factor sign-in is for staff.")
    next_url = _next_url(request)
    if user.is_verified():  # type: ignore[union-attr]
        return redirect(next_url)

    devices = TOTPDevice.objects.filter(user=user).order_by("pk")
    device = devices.filter(confirmed=True).first()
    enrolling = device is None
    if enrolling:
        # Keep one pending device, so reloading the page does not change the QR
        # code the user may already have scanned.
        device = devices.filter(confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name=DEVICE_NAME, confirmed=False
        )

    form = CodeForm(request.POST) if request.method == "POST" else CodeForm()
    if request.method == "POST" and _check(request, device, form):
        if enrolling:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            # Secrets of abandoned attempts (another tab, a race) serve no one.
            devices.filter(confirmed=False).delete()
            log.info("Staff user %s enrolled an authenticator app", user.pk)
        otp_login(request, device)
        return redirect(next_url)

    ctx = {"form": form, "next": next_url, "enrolling": enrolling}
    if enrolling:
        ctx.update(_enrol_context(device))
        return render(request, "registration/twofactor_enrol.html", ctx)
    return render(request, "registration/twofactor_verify.html", ctx)
