from __future__ import annotations

import pytest

from tickettab.context import Contact
from tickettab.tabauth import TabIdentity


@pytest.fixture
def contact() -> Contact:
    return Contact(
        halo_user_id=201,
        name="Jane Doe",
        first_name="Jane",
        email="jane.doe@example.com",
        mobile="+61 491 570 156",
    )


def agent(tenant_id: int, name: str = "Priya Shah") -> TabIdentity:
    return TabIdentity(tenant_id=tenant_id, generation=1, kind="agent", id=2, name=name)
