"""Everything needed to call one customer's Halo, as one immutable value."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

DEFAULT_SCOPES = "read:tickets edit:tickets read:customers"


@dataclass(frozen=True)
class HaloCredentials:
    connection_id: int  # namespace for cached tokens and locks
    version: int  # credentials version; tokens cached under another version are never used
    base_url: str  # normalized, e.g. https://acme.halopsa.com (API is base_url + "/api")
    auth_server: str  # e.g. https://acme.halopsa.com/auth (token endpoint is + "/token")
    halo_tenant: str  # "" when not set; sent as ?tenant=<value> with the token request
    client_id: str
    # Never in repr(), and so never in tracebacks, logs or error messages.
    client_secret: str = field(repr=False)
    scopes: str = DEFAULT_SCOPES  # space-separated
    # Our share of the instance's API limit (see budget.py); 100 of Halo's 300.
    call_share: int = 100

    @property
    def api_url(self) -> str:
        return self.base_url.rstrip("/") + "/api"

    @property
    def token_url(self) -> str:
        url = self.auth_server.rstrip("/") + "/token"
        if self.halo_tenant:
            url += "?" + urlencode({"tenant": self.halo_tenant})
        return url
