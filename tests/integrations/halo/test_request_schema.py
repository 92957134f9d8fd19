"""Every field the client sends to Halo exists in Halo's own schema."""

from __future__ import annotations

import json

import pytest

from integrations.halo.client import HaloClient
from tests.integrations.halo.helpers import API, add_token
from tests.integrations.sandbox.schema import assert_fields_in_schema

pytestmark = pytest.mark.django_db


def test_it_posts_notes_with_fields_of_halos_actions_schema(rsps, creds) -> None:
    add_token(rsps)
    rsps.post(API + "/Actions", json={"id": 5, "ticket_id": 1001}, status=201)
    with HaloClient(creds) as client:
        client.add_private_note(1001, "MSP Process: verified", "MSP Process")
    body = json.loads(rsps.calls[-1].request.body)
    assert isinstance(body, list) and len(body) == 1
    assert_fields_in_schema("Actions", body)
    assert body[0]["hiddenfromuser"] is True


def test_it_catches_a_field_halo_does_not_know() -> None:
    with pytest.raises(AssertionError):
        assert_fields_in_schema("Actions", [{"ticket_id": 1, "not_a_halo_field": True}])
