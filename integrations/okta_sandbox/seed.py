"""The Okta sandbox's seeded org: deterministic, fictional, cheap to (re)create.

The org stands for the Okta of the Halo sandbox's client 14, Oakfield Solicitors
(integrations/sandbox/seed.py), so its users are that client's end users, by email:

- Halo user 208, harry.evans@oakfield.example.com, 00uOakHarryEvans0208: Okta
  Verify push that answers number challenges (opfOakHarryIphone208), plus TOTP, SMS
- Halo user 210, jack.murphy@oakfield.example.com, 00uOakJackMurphy0210: Okta
  Verify push without number challenges (opfOakJackPixel00210), plus an SMS factor
  PENDING_ACTIVATION
- Halo user 211, kavya.rao@oakfield.example.com, 00uOakKavyaRao000211: SMS and
  call only, nothing to push to
- Halo user 212, liam.obrien@oakfield.example.com, 00uOakLiamOBrien0212:
  LOCKED_OUT (with a push factor, opfOakLiamIphone0212)
- no Halo user: reception.london@oakfield.example.com (00uOakReceptionLdn01, with
  push) and reception.leeds@oakfield.example.com (00uOakReceptionLds02, no
  factors: not enrolled), both with the email reception@oakfield.example.com

Logins are the Halo contacts' emails; Okta user ids are 20 characters like Okta's.

The two reception accounts share one email (a shared mailbox, as firms have): a
search on `profile.email eq "reception@oakfield.example.com"` finds both, the
"contact whose email matches two users" case. No Halo sandbox contact has that
address yet; a product test points a contact (or the admin-named UPN field) at it.

The seeded API token (SEED_TOKEN) is fictional and printed here for the demo; only
its SHA-256 is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from integrations.okta_sandbox.models import (
    OktaApiToken,
    OktaFactor,
    OktaOrg,
    OktaUser,
    sha256_hex,
)
from integrations.sandbox import seeding

# Bump when the data below changes, so running processes re-check the database.
SEED_VERSION = 1
SEEDED_CACHE_KEY = f"okta_sandbox:seeded:v{SEED_VERSION}"

ORG_ID = 1
ORG_NAME = "Oakfield Solicitors"
# Okta's tokens are 42 characters beginning "00"; this one says what it is.
SEED_TOKEN = "00sandbox-oakfield-NOT-A-REAL-OKTA-TOKEN00"  # noqa: S105 - a published demo token

HARRY = "00uOakHarryEvans0208"
JACK = "00uOakJackMurphy0210"
KAVYA = "00uOakKavyaRao000211"
LIAM = "00uOakLiamOBrien0212"
RECEPTION_LONDON = "00uOakReceptionLdn01"
RECEPTION_LEEDS = "00uOakReceptionLds02"
SHARED_EMAIL = "reception@oakfield.example.com"

HARRY_PUSH = "opfOakHarryIphone208"
JACK_PUSH = "opfOakJackPixel00210"
LIAM_PUSH = "opfOakLiamIphone0212"
RECEPTION_PUSH = "opfOakReceptionLdn01"

CREATED = datetime(2024, 9, 2, 9, 0, tzinfo=UTC)

USERS = [
    # id, status, login, email, first name, last name, mobile (E.164, as in Halo)
    (HARRY, "ACTIVE", "harry.evans@oakfield.example.com", None, "Harry", "Evans", "+12125550199"),
    (JACK, "ACTIVE", "jack.murphy@oakfield.example.com", None, "Jack", "Murphy", "+14155550142"),
    (KAVYA, "ACTIVE", "kavya.rao@oakfield.example.com", None, "Kavya", "Rao", "+61491570737"),
    (LIAM, "LOCKED_OUT", "liam.obrien@oakfield.example.com", None, "Liam", "O'Brien",
     "+13125550100"),
    (RECEPTION_LONDON, "ACTIVE", "reception.london@oakfield.example.com", SHARED_EMAIL,
     "Reception", "London", ""),
    (RECEPTION_LEEDS, "ACTIVE", "reception.leeds@oakfield.example.com", SHARED_EMAIL,
     "Reception", "Leeds", ""),
]  # fmt: skip


def _push(login: str, name: str, platform: str, device_type: str) -> dict[str, str]:
    return {
        "credentialId": login,
        "deviceType": device_type,
        "name": name,
        "platform": platform,
        "version": "9.32.1",
    }


FACTORS = [
    # id, user, type, status, profile, answers number challenges
    (HARRY_PUSH, HARRY, "push", "ACTIVE",
     _push("harry.evans@oakfield.example.com", "Harry's iPhone", "IOS", "SmartPhone_IPhone"),
     True),
    ("ostOakHarryTotp00208", HARRY, "token:software:totp", "ACTIVE",
     {"credentialId": "harry.evans@oakfield.example.com"}, False),
    ("smsOakHarryMobile208", HARRY, "sms", "ACTIVE", {"phoneNumber": "+12125550199"}, False),
    (JACK_PUSH, JACK, "push", "ACTIVE",
     _push("jack.murphy@oakfield.example.com", "Pixel 7", "ANDROID", "SmartPhone_Android"),
     False),
    ("smsOakJackMobile0210", JACK, "sms", "PENDING_ACTIVATION",
     {"phoneNumber": "+14155550142"}, False),
    ("smsOakKavyaMobile211", KAVYA, "sms", "ACTIVE", {"phoneNumber": "+61491570737"}, False),
    ("clfOakKavyaLandln211", KAVYA, "call", "ACTIVE",
     {"phoneNumber": "+442079460211", "phoneExtension": None}, False),
    (LIAM_PUSH, LIAM, "push", "ACTIVE",
     _push("liam.obrien@oakfield.example.com", "Liam's iPhone", "IOS", "SmartPhone_IPhone"),
     True),
    (RECEPTION_PUSH, RECEPTION_LONDON, "push", "ACTIVE",
     _push("reception.london@oakfield.example.com", "Reception iPad", "IOS", "Tablet_IPad"),
     True),
]  # fmt: skip


def _build() -> dict[type, list]:
    users = [
        OktaUser(
            id=uid,
            org_id=ORG_ID,
            status=status,
            login=login,
            email=email or login,
            first_name=first,
            last_name=last,
            mobile_phone=mobile,
            created=CREATED + timedelta(minutes=n),
        )
        for n, (uid, status, login, email, first, last, mobile) in enumerate(USERS)
    ]
    factors = [
        OktaFactor(
            id=fid,
            user_id=uid,
            factor_type=kind,
            status=status,
            profile=profile,
            number_matching=nmc,
            created=CREATED + timedelta(days=1, minutes=n),
        )
        for n, (fid, uid, kind, status, profile, nmc) in enumerate(FACTORS)
    ]
    return {
        OktaOrg: [OktaOrg(id=ORG_ID, name=ORG_NAME)],
        OktaApiToken: [
            OktaApiToken(org_id=ORG_ID, name="Seeded demo token", token_hash=sha256_hex(SEED_TOKEN))
        ],
        OktaUser: users,
        OktaFactor: factors,
    }


def seed() -> None:
    """Create whatever seeded rows are missing; rows that exist are left alone."""
    seeding.create_missing(_build())
    seeding.mark_seeded(SEEDED_CACHE_KEY)


def ensure_seeded() -> None:
    """Seed on first use; afterwards one cache read a request (re-checked every 5 min)."""
    seeding.ensure(
        SEEDED_CACHE_KEY, seed, lambda: OktaFactor.objects.filter(pk=FACTORS[-1][0]).exists()
    )
