"""Seed the demo: staff logins and the `acme` tenant. Safe to run again."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from mspprocess.models import Membership, Tenant

# Development-only password shared by every demo login; printed by `make run`.
DEMO_PASSWORD = "demo-password"  # noqa: S105 - a published demo credential, DEBUG only


def ensure_user(username: str, *, email: str, **flags: Any) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"email": email})
    for name, value in flags.items():
        setattr(user, name, value)
    user.email = email
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


class Command(BaseCommand):
    help = "Create the demo logins and the demo tenant `acme` (DEBUG only; idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("The demo refuses to run with DEBUG off: it sets known passwords.")
        with transaction.atomic():
            ensure_user("admin", email="admin@example.com", is_staff=True, is_superuser=True)
            am = ensure_user("am", email="am@example.com", is_staff=True)
            am.groups.add(Group.objects.get(name="Account managers"))

            acme, _ = Tenant.objects.update_or_create(
                slug="acme",
                defaults={"name": "Acme IT Services", "account_manager": am},
            )
            for username, role in (
                ("acme-admin", Membership.Role.ADMIN),
                ("acme-tech", Membership.Role.TECHNICIAN),
            ):
                user = ensure_user(username, email=f"{username}@example.com")
                Membership.objects.update_or_create(user=user, tenant=acme, defaults={"role": role})

        base = settings.PUBLIC_BASE_URL
        self.stdout.write(
            "\n".join(
                [
                    "Demo ready. Every demo login uses the password: " + DEMO_PASSWORD,
                    f"  Admin (superuser `admin`, account manager `am`): {base}/admin/",
                    f"  Customer sign-in (`acme-admin`, `acme-tech`):   {base}/accounts/login/",
                    f"  Acme's workspace:                               {base}/t/acme/",
                ]
            )
        )
