"""Screen readers find each field's help: the id Django's aria-describedby names exists."""

from __future__ import annotations

import re

import pytest

from tests.factories import AdminMembershipFactory, ConnectionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["integration/", "settings/"])
def test_it_points_every_description_at_an_element_that_exists(client, page) -> None:
    m = AdminMembershipFactory()
    ConnectionFactory(tenant=m.tenant)
    client.force_login(m.user)
    body = client.get(f"/t/{m.tenant.slug}/{page}").content.decode()
    described = set(re.findall(r'aria-describedby="([^"]+)"', body))
    assert described, "the page has fields with help text"
    ids = set(re.findall(r'\sid="([^"]+)"', body))
    for value in described:
        for ref in value.split():
            assert ref in ids, f"aria-describedby names a missing id: {ref}"
