from __future__ import annotations

import pytest
from django.test import override_settings

from tests.integrations.sandbox.helpers import API, fetch_token, reload_urls

pytestmark = pytest.mark.django_db


def test_it_is_not_mounted_when_the_sandbox_is_off(client, application) -> None:
    try:
        with override_settings(HALO_SANDBOX=False):
            reload_urls()
            assert fetch_token(client).status_code == 404
            assert client.get(API + "Agent/me").status_code == 404
    finally:
        reload_urls()
    # …and back when it is on again, so the rest of the suite is unaffected.
    assert fetch_token(client).status_code == 200
