"""Self-serve sign-up: an MSP's admin creates the workspace alone.

Nothing is stored until the person proves the mailbox: the form's values travel in
a signed, expiring link (Django's signing, keyed with SECRET_KEY), and following it
creates the workspace (onboarding, self-signed-up), the account and the admin
membership in one transaction. The page after the form is the same whatever the
address, so it never tells whether someone already has an account: an existing
user is emailed a sign-in link instead of a second account.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import slugify

from mspprocess.cache import CacheUnavailable, incr_or_add
from mspprocess.client_ip import client_ip
from mspprocess.core import audit
from mspprocess.core.models import Membership, Tenant
from mspprocess.core.services import find_user, invite
from mspprocess.errors import ReadableError

if TYPE_CHECKING:
    from django.http import HttpRequest

logger = logging.getLogger(__name__)

SALT = "mspprocess.signup"
LINK_MAX_AGE = 24 * 3600
THROTTLE_WINDOW = 3600
ADDRESS_LIMIT = 5  # sign-ups per client address per hour
DOMAIN_LIMIT = 10  # per email domain per hour: one company signs up once or twice


class SignupError(ReadableError):
    """A sign-up link that cannot be used, in words for the person holding it."""


@dataclass(frozen=True)
class Signup:
    name: str
    email: str
    msp_name: str


def throttled(request: HttpRequest, email: str) -> bool:
    """Count this sign-up; True when its address or its email domain has had too many
    this hour. Without a cache nothing is counted and sign-ups go through: each one
    still needs a mailbox that answers, and refusing all would stop every new MSP."""
    domain = email.rpartition("@")[2]
    keys = [
        ("address", client_ip(request) or "unknown", ADDRESS_LIMIT),
        ("domain", hashlib.sha256(domain.encode()).hexdigest()[:32], DOMAIN_LIMIT),
    ]
    over = False
    for kind, value, limit in keys:
        try:
            count = incr_or_add(cache, f"signup:{kind}:{value}", THROTTLE_WINDOW)
        except CacheUnavailable:
            return False
        over = over or count > limit
    return over


def link_for(signup: Signup) -> str:
    token = signing.dumps(asdict(signup), salt=SALT, compress=True)
    return settings.PUBLIC_BASE_URL + reverse("signup_confirm", args=[token])


def read_link(token: str) -> Signup:
    """The sign-up in a link, or SignupError when it is forged or too old."""
    if len(token) > 2000:
        raise SignupError("This sign-up link is not valid. Sign up again to get a new one.")
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE)
        return Signup(
            name=str(data["name"]), email=str(data["email"]), msp_name=str(data["msp_name"])
        )
    except signing.SignatureExpired:
        raise SignupError(
            "This sign-up link has expired (links work for 24 hours). Sign up again to get a "
            "new one."
        ) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise SignupError(
            "This sign-up link is not valid. Sign up again to get a new one."
        ) from None


def send_link(signup: Signup) -> None:
    """Email the confirmation link, or, when the address already has an account, a
    sign-in link instead. Raises what the mail backend raises."""
    existing = find_user(signup.email)
    ctx = {
        "name": signup.name,
        "msp": signup.msp_name,
        "link": link_for(signup) if existing is None else None,
        "login_url": settings.PUBLIC_BASE_URL + reverse("login"),
        "reset_url": settings.PUBLIC_BASE_URL + reverse("password_reset"),
        "hours": LINK_MAX_AGE // 3600,
    }
    subject = (
        "Confirm your email to create your MSP Process workspace"
        if existing is None
        else "You already have an MSP Process account"
    )
    text = render_to_string("mspprocess/email/signup.txt", ctx)
    message = EmailMultiAlternatives(subject, text, to=[signup.email])
    message.send()
    logger.info("sign-up email sent (%s)", "new" if existing is None else "existing account")


def _unique_slug(msp_name: str) -> str:
    base = slugify(msp_name)[:50].strip("-") or "msp"
    slug, n = base, 1
    while Tenant.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_workspace(
    signup: Signup, password: str, request: HttpRequest | None = None
) -> Membership:
    """The workspace, the account (with `password`) and its admin membership, all or
    nothing.

    SignupError when the link was used already (the address has an account now).
    """
    used = SignupError(
        "This sign-up link was used already: your workspace exists. Sign in, or use "
        "“Forgotten your password?” if you have not set one."
    )
    # The same link followed twice at once (a double click) must make one workspace.
    lock = f"signup:confirm:{hashlib.sha256(signup.email.encode()).hexdigest()[:32]}"
    try:
        if not cache.add(lock, 1, 30):
            raise used
    except CacheUnavailable:
        pass  # then only the check below stands between two clicks
    if find_user(signup.email) is not None:
        raise used
    for _ in range(3):  # two sign-ups racing for one slug: the loser takes the next
        try:
            with transaction.atomic():
                tenant = Tenant.objects.create(
                    name=signup.msp_name, slug=_unique_slug(signup.msp_name), self_signed_up=True
                )
                audit.record(tenant, None, audit.AuditEvent.Action.TENANT_CREATED, request=request)
                membership = invite(
                    tenant, signup.email, Membership.Role.ADMIN, None, request=request
                )
                user = membership.user
                first, _, last = signup.name.partition(" ")
                user.first_name, user.last_name = first[:150], last[:150]
                user.set_password(password)
                user.save(update_fields=["first_name", "last_name", "password"])
                return membership
        except IntegrityError:
            continue
    raise SignupError("We could not create your workspace just now. Try the link again.")
