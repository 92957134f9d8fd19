"""`make run` helper: once the dev server answers, test the demo tenant's Halo
connection and its identity providers.

The demo's Halo, Duo and Okta are the sandboxes served by that same server, so the
tests can only run after it has started.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.request


def wait_for(url: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:  # noqa: S310 - our own dev server
                if reply.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def main(base_url: str, slug: str) -> int:
    if not wait_for(f"{base_url.rstrip('/')}/healthz"):
        print("The server did not start; skipped the demo's connection test.", file=sys.stderr)
        return 1
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mspprocess.settings")
    import django
    from django.core.management import call_command

    django.setup()
    try:
        call_command("halo_check", slug)
    except Exception as e:  # the command explains itself; don't kill `make run`
        print(f"Connection test: {e}", file=sys.stderr)
        return 1
    from identity import services
    from identity.models import IdentityProvider

    for provider in IdentityProvider.objects.filter(tenant__slug=slug):
        result = services.test_provider(provider)
        print(f"{provider.name}: {'connected' if result.ok else 'failed'}. {result.message}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
