"""The Okta sandbox over real HTTP: pytest-django's live server and `requests`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from integrations.okta_sandbox import services
from integrations.okta_sandbox.seed import SEED_TOKEN

TIMEOUT = 10  # seconds; the live server is local
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _sandbox_mounted(sandbox_mounted: None) -> None:
    """Run these tests against a mounted sandbox even where HALO_SANDBOX is off."""


@dataclass
class LiveOkta:
    """The Okta sandbox's org on the live server, called as an Okta client would."""

    origin: str
    token: str = SEED_TOKEN
    http: requests.Session = field(default_factory=requests.Session)

    @property
    def api(self) -> str:
        return f"{self.origin}/sandbox/okta/api/v1"

    @property
    def devices_url(self) -> str:
        return f"{self.origin}/sandbox/okta/devices/"

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {
            "Authorization": f"SSWS {token or self.token}",
            "Accept": "application/json",
            "User-Agent": "MSP Process tests",
        }

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.http.get(
            f"{self.api}/{path}", params=params, headers=self.headers(), timeout=TIMEOUT
        )

    def post(self, path: str, body: Any = None, **params: Any) -> requests.Response:
        return self.http.post(
            f"{self.api}/{path}", json=body, params=params, headers=self.headers(), timeout=TIMEOUT
        )

    def push(self, user_id: str, factor_id: str, *, number: bool = False) -> dict[str, Any]:
        """Send a push (201 WAITING) and return Okta's reply."""
        body = {"useNumberMatchingChallenge": True} if number else None
        response = self.post(f"users/{user_id}/factors/{factor_id}/verify", body)
        assert response.status_code == 201, response.text
        return response.json()

    def poll(self, sent: dict[str, Any]) -> dict[str, Any]:
        response = self.http.get(
            sent["_links"]["poll"]["href"], headers=self.headers(), timeout=TIMEOUT
        )
        assert response.status_code == 200, response.text
        return response.json()

    def devices_page(self) -> str:
        response = self.http.get(self.devices_url, timeout=TIMEOUT)
        assert response.status_code == 200
        return response.text

    def tap(
        self, sent: dict[str, Any], decision: str, number: int | None = None, page: str = ""
    ) -> requests.Response:
        """Answer a push on the devices page as the person would: a POST with CSRF
        (from `page` when given: a page loaded earlier, still open)."""
        token = CSRF.search(page or self.devices_page())
        assert token, "the devices page has no form"
        transaction_id = sent["_links"]["poll"]["href"].rsplit("/", 1)[1]
        data = {"csrfmiddlewaretoken": token.group(1), "decision": decision}
        if number is not None:
            data["number"] = str(number)
        return self.http.post(
            f"{self.devices_url}pushes/{transaction_id}/",
            data=data,
            allow_redirects=False,
            timeout=TIMEOUT,
        )


@pytest.fixture
def okta(live_server) -> LiveOkta:
    services.ensure_seeded()
    return LiveOkta(live_server.url)
