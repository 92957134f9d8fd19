"""A hosted Halo's sign-in server and tenant, found from its `api/authinfo`.

Halo-hosted instances may sign clients in on another origin, shared by many
instances and told apart by a tenant name (../shared/halo/README.md, Addresses).
Admins rarely know either; Halo shows them beside the Resource Server only on
some instances. Many instances answer `GET <origin>/api/authinfo`, without a token,
with both. We ask it only when signing in failed and the admin gave neither: a
hint, never a must (a Halo that does not answer it is simply not helped), and no
call at all for the Halos the default `<origin>/auth` suits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from integrations import addresses, netsafe
from integrations.halo.client import HaloClient
from integrations.halo.credentials import HaloCredentials
from integrations.halo.errors import HaloError

TENANT_MAX_LENGTH = 100  # HaloConnection.halo_tenant


@dataclass(frozen=True)
class SignIn:
    auth_server: str
    halo_tenant: str


def ask_halo(creds: HaloCredentials) -> SignIn | None:
    """Where Halo says it signs clients in, when that differs from `creds`; else None.

    One call, counted in the instance's budget like any other. Whatever Halo
    answers is checked as if the admin had typed it (the same address rules, so it
    can never point the token request at a private address in production).
    """
    try:
        with HaloClient(creds, retries=0, retry_unauthorized=False) as client:
            reply = client.authinfo()
    except HaloError:
        return None
    found = _read(reply)
    if found is None or found == SignIn(creds.auth_server, creds.halo_tenant):
        return None
    return found


def _read(reply: Any) -> SignIn | None:
    if not isinstance(reply, dict):
        return None
    auth_url, tenant = reply.get("auth_url"), reply.get("tenant_id") or ""
    if not isinstance(auth_url, str) or not isinstance(tenant, str):
        return None
    try:
        auth_server = addresses.normalize_auth_server(
            auth_url, allow_private=netsafe.allow_private()
        )
    except ValidationError:
        return None
    tenant = tenant.strip()
    if len(tenant) > TENANT_MAX_LENGTH or not tenant.isprintable():
        return None
    return SignIn(auth_server, tenant)
