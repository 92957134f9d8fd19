from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from alerts.models import AlertSettings
from integrations.models import HaloConnection
from integrations.sandbox import services as sandbox
from mspprocess.console.management.commands.demo import DEMO_PASSWORD, DEMO_SECURITY_CONTACT
from mspprocess.core.audit import AuditEvent
from mspprocess.core.models import Membership, Tenant

pytestmark = pytest.mark.django_db


def test_it_seeds_the_demo_and_can_run_twice(settings, capsys) -> None:
    settings.DEBUG = True
    call_command("demo")
    call_command("demo")

    assert User.objects.filter(username="admin", is_superuser=True, is_staff=True).exists()
    am = User.objects.get(username="am")
    assert am.is_staff and not am.is_superuser
    assert list(am.groups.values_list("name", flat=True)) == ["Account managers"]

    acme = Tenant.objects.get(slug="acme")
    assert acme.account_manager == am
    roles = dict(Membership.objects.filter(tenant=acme).values_list("user__username", "role"))
    assert roles == {"acme-admin": "admin", "acme-tech": "technician"}
    assert Tenant.objects.count() == 1
    assert Membership.objects.count() == 2
    assert User.objects.get(username="acme-tech").check_password(DEMO_PASSWORD)
    out = capsys.readouterr().out
    assert "/t/acme/integration/" in out
    # A denial in the demo alerts someone: Acme's security contact, set once.
    assert AlertSettings.objects.get(tenant=acme).security_contacts == [DEMO_SECURITY_CONTACT]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ALERT_SETTINGS_CHANGED).count() == 1

    # Connected to the sandbox, whose custom tab points at acme's tab.
    conn = HaloConnection.objects.get(tenant=acme)
    assert conn.has_credentials and conn.base_url.endswith("/sandbox/halo")
    assert HaloConnection.objects.count() == 1
    tab = sandbox.custom_tab()
    assert tab.url == conn.tenant.tab.url
    assert tab.secret == conn.tenant.tab.secret
    assert "/sandbox/halo/tickets/1001/" in out


def test_it_refuses_to_run_with_debug_off(settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        call_command("demo")
    assert not User.objects.exists()
