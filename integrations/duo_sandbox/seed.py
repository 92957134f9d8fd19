"""The Duo sandbox's seeded account: deterministic, fictional, cheap to (re)create.

One Auth API integration, for the demo (the keys are fictional and only this sandbox
accepts them; never use them anywhere else):

    integration key  DISANDBOXKESTREL0001
    secret key       sandbox-secret-key-not-a-real-duo-key-01
    API hostname     127.0.0.1:8000 (where `make run` serves; the sandbox checks the
                     signature against the Host the client addressed)

Users are the Halo sandbox's contacts at client 12 Kestrel Logistics, by email
(integrations/sandbox/seed.py USERS; a test keeps the two in step):

- 201 alice.morgan@kestrel.example.com: Duo Mobile with push ("auth")
- 202 ben.hughes@kestrel.example.com: a phone with SMS and calls only, no push ("auth",
  but a push is refused: no device can take it)
- 203 chloe.patel@kestrel.example.com: known to Duo, no device yet ("enroll")
- 204 daniel.okafor@kestrel.example.com: Duo Mobile, but locked out ("deny")
"""

from __future__ import annotations

from django.db import transaction

from integrations.duo_sandbox.models import DuoDevice, DuoIntegration, DuoUser
from integrations.sandbox import seeding

# Bump when the data below changes, so running processes re-check the database.
SEED_VERSION = 1
SEEDED_CACHE_KEY = f"duo_sandbox:seeded:v{SEED_VERSION}"

DEMO_IKEY = "DISANDBOXKESTREL0001"
DEMO_SKEY = "sandbox-secret-key-not-a-real-duo-key-01"
DEMO_API_HOST = "127.0.0.1:8000"
DEMO_NAME = "MSP Process (Kestrel Logistics)"

ALICE = "alice.morgan@kestrel.example.com"
BEN = "ben.hughes@kestrel.example.com"
CHLOE = "chloe.patel@kestrel.example.com"
DANIEL = "daniel.okafor@kestrel.example.com"

USERS = [
    # Halo user id, Duo user id, username, real name, status
    (201, "DUSANDBOXALICE000201", ALICE, "Alice Morgan", DuoUser.Status.ACTIVE),
    (202, "DUSANDBOXBEN00000202", BEN, "Ben Hughes", DuoUser.Status.ACTIVE),
    (203, "DUSANDBOXCHLOE000203", CHLOE, "Chloe Patel", DuoUser.Status.ACTIVE),
    (204, "DUSANDBOXDANIEL00204", DANIEL, "Daniel Okafor", DuoUser.Status.LOCKED_OUT),
]

PUSH_PHONE = ["auto", "push", "sms", "phone", "mobile_otp"]
# "auto" picks the best factor a device has: a call, for a phone without Duo Mobile.
SMS_PHONE = ["auto", "sms", "phone"]

DEVICES = [
    # device id, Duo user id, number (the Halo sandbox's mobile), platform, capabilities
    ("DPSANDBOXALICE000201", "DUSANDBOXALICE000201", "+61491570156", "iOS", PUSH_PHONE),
    ("DPSANDBOXBEN00000202", "DUSANDBOXBEN00000202", "+61491570157", "", SMS_PHONE),
    ("DPSANDBOXDANIEL00204", "DUSANDBOXDANIEL00204", "+61491570159", "Android", PUSH_PHONE),
]


def seed() -> None:
    """Create whatever seeded rows are missing; rows that exist are left alone."""
    with transaction.atomic():
        # ignore_conflicts: safe when several workers seed at the same moment.
        DuoIntegration.objects.bulk_create(
            [
                DuoIntegration(
                    ikey=DEMO_IKEY, skey=DEMO_SKEY, api_host=DEMO_API_HOST, name=DEMO_NAME
                )
            ],
            ignore_conflicts=True,
        )
        DuoUser.objects.bulk_create(
            [
                DuoUser(
                    halo_user_id=halo_id,
                    user_id=user_id,
                    username=username,
                    realname=realname,
                    status=status,
                )
                for halo_id, user_id, username, realname, status in USERS
            ],
            ignore_conflicts=True,
        )
        users = dict(DuoUser.objects.values_list("user_id", "pk"))
        DuoDevice.objects.bulk_create(
            [
                DuoDevice(
                    device=device,
                    user_id=users[user_id],
                    number=number,
                    platform=platform,
                    capabilities=capabilities,
                )
                for device, user_id, number, platform, capabilities in DEVICES
            ],
            ignore_conflicts=True,
        )
    seeding.mark_seeded(SEEDED_CACHE_KEY)


def ensure_seeded() -> None:
    """Seed on first use; afterwards one cache read a request (re-checked every 5 min)."""
    seeding.ensure(SEEDED_CACHE_KEY, seed, lambda: False)  # seed() is cheap and idempotent
