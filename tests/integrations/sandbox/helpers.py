"""Shared by the sandbox tests: addresses, test credentials and a small API client."""

from __future__ import annotations

import importlib
import json
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.test import Client
from django.urls import clear_url_caches

API = "/sandbox/halo/api/"
TOKEN_URL = "/sandbox/halo/auth/token"
CLIENT_ID = "sandbox-test-client"
CLIENT_SECRET = "s3cret-only-the-test-knows"
ALL_SCOPES = "read:tickets edit:tickets read:customers"


def reload_urls() -> None:
    # mspprocess/urls.py mounts the sandbox at import time, so a changed
    # HALO_SANDBOX only shows after re-importing it.
    importlib.reload(importlib.import_module(settings.ROOT_URLCONF))
    clear_url_caches()


def fetch_token(client: Client, query: str = "", headers: dict[str, str] | None = None, **form):
    """POST the token endpoint form-encoded, as Halo's clients do."""
    data = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scope": ALL_SCOPES,
        **form,
    }
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(
        TOKEN_URL + query,
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
        headers=headers or {},
    )


class Api:
    """The Django test client, pointed at the sandbox's API with a bearer token."""

    def __init__(self, client: Client, bearer: str) -> None:
        self.client = client
        self.bearer = bearer

    def get(self, path: str, /, **params: Any):  # any query name, "path" too
        return self.client.get(API + path, params, HTTP_AUTHORIZATION=self.bearer)

    def post(self, path: str, body: Any):
        return self.client.post(
            API + path,
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=self.bearer,
        )


PAGES = "/sandbox/halo/"


class _Iframes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "iframe":
            self.found.append(dict(attrs))


def iframes(html: str) -> list[dict[str, str | None]]:
    """The attributes of every <iframe> in a page, entities decoded as a browser would."""
    parser = _Iframes()
    parser.feed(html)
    return parser.found
