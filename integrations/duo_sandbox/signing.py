"""Duo's request signatures, checked as a Duo API host checks them.

A request carries `Authorization: Basic base64(ikey:hex HMAC)` and a `Date` header
(or `X-Duo-Date`, which Duo reads first because proxies may rewrite Date). The HMAC,
keyed with the secret key, is over a canonical request, one line each:

- v2: date, METHOD, host (lower case), path, sorted params
- v4: the same plus the SHA-512 of the body (JSON bodies)
- v5: v4 plus the SHA-512 of the X-Duo-* headers (names lower-cased, sorted, names
  and values joined by NUL)

where params are encoded as OAuth 1.0 does (`quote(…, "~")`, sorted by key then
value) and, in v4/v5, are the query string only: a POST body is JSON and counted by
its hash. v2 may use HMAC-SHA1 or HMAC-SHA512 (duo_client defaults to SHA-512); v4/v5
always SHA-512. A request says nothing of its version, so every candidate is tried.
See duo_client/client.py (`canonicalize`, `sign`): this module mirrors it.

The host is the Host header the client sent (a real Duo knows its one hostname; the
sandbox is reached under many), with or without its port. The path is the one the
client signed: the path below the sandbox's mount, as a real Duo serves /auth/v2/…
at its host's root.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote

Params = Mapping[str, Sequence[str]]
# (version, hash): what duo_client can send. v1 (no date) is not accepted by Duo's
# Auth API v2 and not here either.
CANDIDATES = ((5, "sha512"), (4, "sha512"), (2, "sha512"), (2, "sha1"))


@dataclass(frozen=True)
class SignedRequest:
    """What a signature covers, read from the request."""

    method: str
    host: str
    path: str
    params: Params  # v2: query and form params; v4/v5: the query string's
    form_params: Params  # a form-encoded body's params (v2 signs them too)
    body: bytes
    duo_headers: Mapping[str, str]  # X-Duo-* headers, names lower case
    date: str


def credentials(authorization: str) -> tuple[str, str] | None:
    """(ikey, signature) from an `Authorization: Basic …` header, or None."""
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    ikey, sep, signature = decoded.partition(":")
    if not sep or not ikey or not signature:
        return None
    return ikey, signature


def parse_date(value: str) -> datetime | None:
    """An RFC 2822 date as duo_client sends it (`email.utils.formatdate()`), or None."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # "-0000" (what formatdate() writes) parses without a zone: it means UTC.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def canon_params(params: Params) -> str:
    pairs = sorted(
        (quote(key, "~"), sorted(quote(v, "~") for v in values)) for key, values in params.items()
    )
    return "&".join(f"{key}={value}" for key, values in pairs for value in values)


def canon_duo_headers(headers: Mapping[str, str]) -> str:
    parts: list[str] = []
    for name in sorted(headers):
        parts.extend([name, headers[name]])
    return hashlib.sha512("\x00".join(parts).encode()).hexdigest()


def canonical(request: SignedRequest, version: int) -> str:
    head = [request.date, request.method.upper(), request.host.lower(), request.path]
    if version == 2:
        merged = {k: list(v) for k, v in request.params.items()}
        for key, values in request.form_params.items():
            merged.setdefault(key, []).extend(values)
        return "\n".join([*head, canon_params(merged)])
    lines = [*head, canon_params(request.params), hashlib.sha512(request.body).hexdigest()]
    if version == 5:
        lines.append(canon_duo_headers(request.duo_headers))
    return "\n".join(lines)


def hosts(host_header: str) -> list[str]:
    """The names a client may have signed: the Host it sent, and that Host without its
    port (duo_client signs `host` and sends `host:port` when given a port apart)."""
    bare, sep, port = host_header.rpartition(":")
    return [host_header, bare] if sep and port.isdigit() and bare else [host_header]


def verify(request: SignedRequest, skey: str, signature: str) -> int | None:
    """The signature version that matches, or None. Compared in constant time."""
    given = signature.strip().lower().encode()
    matched = None
    for host in hosts(request.host):
        candidate = replace(request, host=host)
        for version, digest in CANDIDATES:
            expected = hmac.new(
                skey.encode(), canonical(candidate, version).encode(), digest
            ).hexdigest()
            if hmac.compare_digest(expected.encode(), given) and matched is None:
                matched = version
    return matched
