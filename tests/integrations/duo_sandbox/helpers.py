"""Shared by the Duo sandbox tests: requests signed exactly as duo_client signs them."""

from __future__ import annotations

import email.utils
import json
import urllib.parse
from typing import Any

from django.test import Client
from duo_client.client import Client as DuoClient
from duo_client.client import normalize_params, sign

from integrations.duo_sandbox.seed import DEMO_IKEY, DEMO_SKEY

MOUNT = "/sandbox/duo"
HOST = "testserver"  # the Django test client's Host


def call(
    client: Client,
    method: str,
    path: str,
    params: dict[str, str] | None = None,
    *,
    ikey: str = DEMO_IKEY,
    skey: str = DEMO_SKEY,
    date: str | None = None,
    sent_params: dict[str, str] | None = None,
) -> Any:
    """Sign `params` for `path` as duo_client does (v5), send `sent_params` (default:
    the same) to the sandbox's mount, and return the test client's response."""
    params = params or {}
    now = date or email.utils.formatdate()
    if method == "POST":
        body = DuoClient.canon_json(params)
        auth = sign(ikey, skey, method, HOST, path, now, 5, {}, body=body)
        sent = DuoClient.canon_json(sent_params if sent_params is not None else params)
        return client.post(
            MOUNT + path,
            sent,
            content_type="application/json",
            headers={"Authorization": auth, "Date": now},
        )
    auth = sign(ikey, skey, method, HOST, path, now, 5, normalize_params(params), body="")
    query = urllib.parse.urlencode(sent_params if sent_params is not None else params)
    return client.generic(
        method,
        MOUNT + path + ("?" + query if query else ""),
        headers={"Authorization": auth, "Date": now},
    )


def body(response: Any) -> dict[str, Any]:
    return json.loads(response.content)
