"""Test a tenant's Halo connection from the shell: exit 0 when connected, 1 otherwise."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from integrations import services
from mspprocess.core.models import Tenant


class Command(BaseCommand):
    help = "Test the Halo connection of a tenant and print a ✓/✗ per required permission."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug", help="The tenant's slug, e.g. acme")

    def handle(self, *args: Any, slug: str, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"No tenant with the slug {slug!r}.")
        conn = services.connection_for(tenant)
        if not conn.has_credentials:
            raise CommandError(
                f"{tenant.name} has no Halo credentials yet: enter them on the integration page."
            )

        self.stdout.write(f"Testing the Halo connection of {tenant.name} ({conn.base_url})")
        result = services.test_connection(conn)
        if result.agent_name:
            self.stdout.write(f"  signed in as: {result.agent_name}")
        for perm in result.permissions:
            mark = "✓" if perm.ok else ("-" if perm.ok is None else "✗")
            line = f"  {mark} {perm.name}"
            if not perm.ok and perm.fix:
                line += f" — {perm.fix}"
            self.stdout.write(line)
        if result.ok:
            self.stdout.write(self.style.SUCCESS("Connected."))
            return
        raise CommandError(result.error or "The connection test failed.")
