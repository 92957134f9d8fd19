from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from integrations.sandbox import seed, services
from integrations.sandbox.models import (
    SandboxAction,
    SandboxAgent,
    SandboxApplication,
    SandboxClient,
    SandboxFault,
    SandboxRequest,
    SandboxSite,
    SandboxTicket,
    SandboxTicketType,
    SandboxUser,
)
from tests.integrations.sandbox.helpers import CLIENT_ID, CLIENT_SECRET, Api, fetch_token
from tickettab import phones

pytestmark = pytest.mark.django_db


def _counts() -> list[int]:
    models = (SandboxAgent, SandboxClient, SandboxSite, SandboxUser, SandboxTicketType)
    return [m.objects.count() for m in (*models, SandboxTicket)]


def test_it_seeds_once(db) -> None:
    services.ensure_seeded()
    cache.clear()  # another process, or the cache expired: it checks the database
    services.ensure_seeded()
    seed.seed()
    assert _counts() == [5, 3, 5, 12, 4, 20]


def test_it_seeds_again_when_the_data_has_gone(db) -> None:
    services.ensure_seeded()
    seed.unseed()
    services.ensure_seeded()
    assert _counts() == [5, 3, 5, 12, 4, 20]


def test_it_seeds_fictional_contact_details(db) -> None:
    services.ensure_seeded()
    users = list(SandboxUser.objects.all())
    assert [u.id for u in users if not u.mobilenumber] == [seed.USER_WITHOUT_MOBILE]
    assert [u.id for u in users if not u.emailaddress] == [seed.USER_WITHOUT_EMAIL]
    for u in users:
        assert not u.emailaddress or u.emailaddress.endswith((".example.com", ".example.net"))
        # Mobiles the tab can text (valid to phonenumbers), all from fictional ranges.
        if u.mobilenumber:
            e164 = phones.parse_mobile(u.mobilenumber, "GB").e164
            assert re.fullmatch(r"\+61491570\d{3}|\+1\d{3}55501\d\d", e164)
        assert not u.phonenumber or u.phonenumber.startswith("+44 20 7946 0")


def test_it_seeds_the_tickets_the_tab_needs(db) -> None:
    services.ensure_seeded()
    assert SandboxTicket.objects.get(pk=seed.TICKET_WITHOUT_USER).user is None
    assert SandboxTicket.objects.get(pk=seed.TICKET_WITH_USER).user_id == 201
    assert SandboxTicket.objects.get(pk=seed.TICKET_USER_WITHOUT_MOBILE).user_id == 205
    assert SandboxTicket.objects.get(pk=seed.TICKET_USER_WITHOUT_EMAIL).user_id == 209
    assert "+44 7700 900999" in SandboxTicket.objects.get(pk=seed.TICKET_WITH_TYPED_NUMBER).details
    assert SandboxTicket.objects.values("tickettype").distinct().count() == 4


def test_it_resets_to_a_fresh_instance(api: Api) -> None:
    api.post("Actions", [{"ticket_id": 1001, "outcome": "Private Note"}])
    services.set_custom_tabs_allowed(False)
    SandboxTicket.objects.filter(pk=1001).update(summary="changed")
    services.set_faults(latency_ms=5)
    services.reset()
    assert SandboxAction.objects.count() == 0
    assert SandboxApplication.objects.count() == 0
    assert SandboxFault.objects.count() == 0
    assert SandboxRequest.objects.count() == 0
    assert SandboxTicket.objects.get(pk=1001).summary == "Password reset"
    assert SandboxTicketType.objects.filter(allowall_iframe_customtabs=True).count() == 3
    assert _counts() == [5, 3, 5, 12, 4, 20]


def test_it_updates_an_application_created_again(client, db) -> None:
    services.create_application(CLIENT_ID, "old-secret", permissions=["read:tickets"])
    app = services.create_application(CLIENT_ID, CLIENT_SECRET)
    assert SandboxApplication.objects.count() == 1
    assert app.permissions == list(services.PERMISSIONS)
    assert fetch_token(client).status_code == 200
    assert fetch_token(client, client_secret="old-secret").status_code == 401


def test_it_expands_all_and_refuses_unknown_permissions(application) -> None:
    services.set_permissions(CLIENT_ID, ["all"])
    assert SandboxApplication.objects.get().permissions == list(services.PERMISSIONS)
    with pytest.raises(ValueError, match="edit:everything"):
        services.set_permissions(CLIENT_ID, ["edit:everything"])
    with pytest.raises(SandboxApplication.DoesNotExist):
        services.set_permissions("nobody", ["all"])


def test_it_deletes_an_application(client, application) -> None:
    services.delete_application(CLIENT_ID)
    assert fetch_token(client).status_code == 401


def test_it_lists_posted_actions_oldest_first(api: Api) -> None:
    api.post("Actions", [{"ticket_id": 1002, "outcome": "Private Note", "note": "a"}])
    api.post("Actions", [{"ticket_id": 1001, "outcome": "Private Note", "note": "b"}])
    assert [a["note"] for a in services.posted_actions()] == ["a", "b"]
    assert [a["note"] for a in services.posted_actions(1001)] == ["b"]
