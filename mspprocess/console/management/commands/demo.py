"""Seed the demo: staff logins and the `acme` tenant. Safe to run again."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from mspprocess.core.models import Membership, Tenant

# Development-only password shared by every demo login; printed by `make run`.
DEMO_PASSWORD = "demo-password"  # noqa: S105 - a published demo credential, DEBUG only
DEMO_SECURITY_CONTACT = "security@acme-it.example.com"


def ensure_user(username: str, *, email: str, **flags: Any) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"email": email})
    for name, value in flags.items():
        setattr(user, name, value)
    user.email = email
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def sandbox_origin() -> str:
    """The sandbox's Halo pages live on another origin than the app, as in real use:
    localhost when we are served at 127.0.0.1, and the other way round."""
    base = urlsplit(settings.PUBLIC_BASE_URL)
    host = "localhost" if base.hostname != "localhost" else "127.0.0.1"
    port = f":{base.port}" if base.port else ""
    return f"{base.scheme}://{host}{port}"


def connect_to_sandbox(tenant: Tenant) -> list[str]:
    """Connect the tenant to the Halo sandbox and configure the sandbox's custom tab
    with the tenant's tab URL and secret, so the demo ends with a working tab."""
    from integrations import services
    from integrations.sandbox import services as sandbox
    from tickettab.services import tab_for

    sandbox.ensure_seeded()
    secret = secrets.token_urlsafe(24)
    sandbox.create_application("msp-process-demo", secret, permissions=("all",))
    sandbox.set_custom_tabs_allowed(True)
    conn = services.connection_for(tenant)
    services.save_credentials(
        conn,
        {
            "resource_server": f"{sandbox_origin()}/sandbox/halo",
            "client_id": "msp-process-demo",
            "client_secret": secret,
        },
        by=None,
    )
    tab = tab_for(tenant)
    sandbox.configure_custom_tab(tab.url, tab.secret)
    # The connection test calls the sandbox over HTTP, which answers only once the
    # server runs: `make run` tests the connection right after starting it.
    return [
        f"  Halo sandbox ticket with the MSP Process tab:   "
        f"{sandbox_origin()}/sandbox/halo/tickets/1001/?tab=msp",
        f"  Codes sent by the demo arrive at:               "
        f"{sandbox_origin()}/sandbox/halo/devices/",
    ]


def connect_identity_providers(tenant: Tenant) -> list[str]:
    """Connect Kestrel Logistics (Halo sandbox client 12) to the Duo sandbox and
    Oakfield Solicitors (14) to the Okta sandbox, through the services the pages use;
    unchanged when run again. Their connection test needs the server up, like Halo's."""
    from identity import addresses, services
    from identity.models import IdentityProvider
    from integrations.duo_sandbox.seed import DEMO_IKEY, DEMO_SKEY
    from integrations.okta_sandbox.seed import SEED_TOKEN

    # Where the sandboxes answer (Duo's signs the Host it was called at); stored as the
    # forms store them, private addresses allowed as for the Halo sandbox.
    base = settings.PUBLIC_BASE_URL
    duo_host = addresses.normalize_duo_host(f"{base}/sandbox/duo", allow_private=True)
    okta_url = addresses.normalize_okta_url(f"{base}/sandbox/okta", allow_private=True)
    wanted = [
        (
            IdentityProvider.Kind.DUO,
            {
                "name": "Kestrel's Duo",
                "duo_integration_key": DEMO_IKEY,
                "duo_secret_key": DEMO_SKEY,
                "duo_api_host": duo_host,
            },
            {12: "Kestrel Logistics"},
        ),
        (
            IdentityProvider.Kind.OKTA,
            {
                "name": "Oakfield's Okta",
                "okta_org_url": okta_url,
                "okta_api_token": SEED_TOKEN,
            },
            {14: "Oakfield Solicitors"},
        ),
    ]
    lines = []
    for kind, data, clients in wanted:
        provider = IdentityProvider.objects.filter(tenant=tenant, name=data["name"]).first()
        if provider is None or provider.kind != kind:
            if provider is not None:  # the name given to the other kind by hand: made again
                services.remove_provider(provider)
            provider = services.add_provider(tenant, kind, data)
        else:
            services.change_provider(provider, data)
        try:
            services.set_clients(provider, clients)
        except services.ClientTaken as e:  # moved to another provider by hand: left so
            lines.append(f"  {e.message}")
    return [
        f"  Identity providers (Duo and Okta sandboxes):    "
        f"{settings.PUBLIC_BASE_URL}/t/{tenant.slug}/identity/",
        *lines,
    ]


def alert_the_demo_security_contact(tenant: Tenant) -> list[str]:
    """Acme's security contact, so that a denial in the demo sends its alert email (to
    the sandbox's inbox when HALO_SANDBOX is on); an admin's own choice is kept."""
    from alerts import services
    from alerts.models import AlertSettings

    prefs = AlertSettings.for_tenant(tenant)
    if not prefs.security_contacts:
        services.save_settings(prefs, {"security_contacts": [DEMO_SECURITY_CONTACT]})
    url = f"{settings.PUBLIC_BASE_URL}/t/{tenant.slug}/alerts/"
    return [f"  Alerts (a denial or a lockout):                 {url}"]


class Command(BaseCommand):
    help = "Create the demo logins and the demo tenant `acme` (DEBUG only; idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("The demo refuses to run with DEBUG off: it sets known passwords.")
        with transaction.atomic():
            ensure_user(
                "admin",
                email="admin@example.com",
                first_name="Robin",
                last_name="Hale",
                is_staff=True,
                is_superuser=True,
            )
            am = ensure_user(
                "am", email="am@example.com", first_name="Sam", last_name="Rivera", is_staff=True
            )
            am.groups.add(Group.objects.get(name="Account managers"))

            acme, _ = Tenant.objects.update_or_create(
                slug="acme",
                defaults={"name": "Acme IT Services", "account_manager": am},
            )
            # Named people, as a customer's would be: pages name people, not usernames.
            for username, (first, last), role in (
                ("acme-admin", ("Jordan", "Price"), Membership.Role.ADMIN),
                ("acme-tech", ("Priya", "Shah"), Membership.Role.TECHNICIAN),
            ):
                user = ensure_user(
                    username, email=f"{username}@example.com", first_name=first, last_name=last
                )
                Membership.objects.update_or_create(user=user, tenant=acme, defaults={"role": role})

            sandbox_lines = []
            if settings.HALO_SANDBOX:
                sandbox_lines = connect_to_sandbox(acme) + connect_identity_providers(acme)
            sandbox_lines += alert_the_demo_security_contact(acme)

        base = settings.PUBLIC_BASE_URL
        lines = [
            "Demo ready. Every demo login uses the password: " + DEMO_PASSWORD,
            f"  Admin (superuser `admin`, account manager `am`): {base}/admin/",
            f"  Customer sign-in (`acme-admin`, `acme-tech`):   {base}/accounts/login/",
            f"  Acme's Halo integration page:                   {base}/t/acme/integration/",
            f"  New MSP sign-up, then its set-up guide:         {base}/signup/",
            *sandbox_lines,
        ]
        self.stdout.write("\n".join(lines))
