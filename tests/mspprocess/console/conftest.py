from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from tests.factories import StaffFactory


@pytest.fixture
def am(client):
    """An account manager, signed in to the console."""
    user = StaffFactory(username="am1")
    user.groups.add(Group.objects.get(name="Account managers"))
    client.force_login(user)
    return user
