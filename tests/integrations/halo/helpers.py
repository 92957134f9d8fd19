"""Shared test doubles for outbound Halo traffic: a fake DNS and canned Halo replies.

No test reaches the network: `FakeDNS` answers `socket.getaddrinfo`, and
`responses` intercepts every request where the adapter would hand it to urllib3.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest
import responses

from integrations.halo.credentials import HaloCredentials

# 93.184.216.34 is a global (public) address; TEST-NET ranges such as 203.0.113.0/24
# are not global per `ipaddress`, so they would be refused like private ones.
PUBLIC_IP = "93.184.216.34"
SECRET = "s3cr3t-Client-Secret-value"
ACCESS_TOKEN = "access-token-AAAA"
BASE = "https://acme.halopsa.com"
API = BASE + "/api"
TOKEN_URL = BASE + "/auth/token"


class FakeDNS:
    """Answers socket.getaddrinfo from a table, and records every lookup."""

    def __init__(self) -> None:
        self.answers: dict[str, list[str]] = {}
        self.lookups: list[str] = []

    def getaddrinfo(self, host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        self.lookups.append(host)
        try:
            ipaddress.ip_address(host)
            addresses = [host]  # a literal resolves to itself, as the real resolver does
        except ValueError:
            addresses = self.answers.get(host, [])
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [_info(ip, int(port or 0)) for ip in addresses]


def _info(ip: str, port: int) -> tuple[Any, ...]:
    if ipaddress.ip_address(ip).version == 6:
        return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (ip, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))


def install_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    dns = FakeDNS()
    dns.answers["acme.halopsa.com"] = [PUBLIC_IP]
    monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
    return dns


def make_creds(**overrides: Any) -> HaloCredentials:
    values: dict[str, Any] = {
        "connection_id": 7,
        "version": 1,
        "base_url": BASE,
        "auth_server": BASE + "/auth",
        "halo_tenant": "",
        "client_id": "client-id-123",
        "client_secret": SECRET,
    }
    return HaloCredentials(**(values | overrides))


def add_token(
    rsps: responses.RequestsMock,
    access_token: str = ACCESS_TOKEN,
    *,
    expires_in: int = 3600,
    scope: str = "read:tickets edit:tickets read:customers",
    url: str = TOKEN_URL,
) -> responses.BaseResponse:
    body = {"token_type": "Bearer", "access_token": access_token, "expires_in": expires_in}
    if scope:
        body["scope"] = scope
    return rsps.post(url, json=body)


def calls_to(rsps: responses.RequestsMock, url_prefix: str) -> list[Any]:
    return [c for c in rsps.calls if c.request.url.startswith(url_prefix)]
