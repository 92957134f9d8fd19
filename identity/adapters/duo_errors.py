"""What can go wrong when we call Duo, in Duo's words and the admin's next step.

Duo answers errors as {"stat": "FAIL", "code": 40103, "message": "Invalid signature
in request credentials", "message_detail": …} with the HTTP status of the code's first
three digits; duo_client raises them as a RuntimeError carrying `status`, `reason` and
the body. Everything else is the connection (ours: duo_http.py) or the outbound guard
(netsafe). No message ever holds the secret key.
"""

from __future__ import annotations

import http.client
import json
import ssl
from typing import Any

from identity import addresses
from identity.adapters import ProviderError
from identity.adapters.duo_http import ConnectFailed, ReplyTooLarge
from integrations import netsafe

KEYS_HINT = (
    "Check the integration key and secret key of the Auth API application in Duo's Admin Panel."
)
STATUS_HINT = "Try again in a few minutes; Duo posts incidents at status.duo.com."
HOST_HINT = f"Check the API hostname: it looks like {addresses.DUO_EXAMPLE}."


class DuoRefused(ProviderError):
    """Duo answered with an error; `status` and `detail` let a caller be more precise."""

    def __init__(self, message: str, *, status: int | None, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


def readable(e: Exception, *, host: str, where: str, timeout: float) -> ProviderError | None:
    """The words for an exception from duo_client or the guard (None: not ours to word).
    `host` is the API host name, `where` the address as the admin entered it."""
    if isinstance(e, netsafe.AddressRefused):
        return ProviderError(
            f"{host} is a private network address, so MSP Process will not connect to it. "
            f"{HOST_HINT}"
        )
    if isinstance(e, netsafe.NotInDns):
        return ProviderError(f"{host} is not in DNS. {HOST_HINT}")
    if isinstance(e, ConnectFailed):
        return _connect_error(e.cause, where, timeout)
    if isinstance(e, ReplyTooLarge):
        return ProviderError(f"The answer from {where} was far larger than Duo's. {HOST_HINT}")
    if isinstance(e, TimeoutError):
        return ProviderError(f"Duo did not answer within {timeout:g} seconds. {STATUS_HINT}")
    if isinstance(e, OSError | http.client.HTTPException):
        return ProviderError(
            f"The connection to Duo at {where} broke before Duo answered. {STATUS_HINT}"
        )
    if isinstance(e, RuntimeError) and hasattr(e, "status"):
        return _duo_error(e)
    if isinstance(e, ValueError):  # a reply that is not UTF-8 or JSON at all
        return ProviderError(f"The answer from {where} was not Duo's. {HOST_HINT}")
    return None


def _connect_error(cause: OSError, where: str, timeout: float) -> ProviderError:
    if isinstance(cause, ssl.SSLError):
        return ProviderError(
            f"The secure connection to {where} failed: its certificate is not one of "
            f"Duo's. {HOST_HINT}"
        )
    if isinstance(cause, TimeoutError):
        return ProviderError(
            f"Could not connect to Duo at {where} within {timeout:g} seconds. {HOST_HINT} "
            "If it is right, try again in a few minutes."
        )
    if isinstance(cause, ConnectionRefusedError):
        return ProviderError(
            f"Could not connect to Duo at {where}: the connection was refused. {HOST_HINT}"
        )
    return ProviderError(f"Could not connect to Duo at {where}. {HOST_HINT}")


def _duo_error(e: RuntimeError) -> ProviderError:
    """A reply with an error status (or a 200 that is not Duo's), in Duo's words."""
    status = getattr(e, "status", None)
    reason = getattr(e, "reason", "") or ""
    body = _json(getattr(e, "data", b""))
    message = str(body.get("message") or "").strip()
    detail = str(body.get("message_detail") or "").strip()
    said = (f"{message} ({detail})" if detail else message).rstrip(".")[:300]
    http_words = f"HTTP {status} {reason}".strip()
    if status == 401:
        return DuoRefused(
            f"Duo refused the keys: {said or http_words}. {KEYS_HINT}", status=401, detail=detail
        )
    if status == 403:
        return DuoRefused(
            f"Duo refused the request: {said or http_words}. Check that the keys are "
            "those of an Auth API application in Duo's Admin Panel.",
            status=403,
            detail=detail,
        )
    if status == 429:
        return DuoRefused(
            "Duo is limiting how often we may call it (too many requests). Wait a minute "
            "and try again.",
            status=429,
        )
    if status is not None and status >= 500:
        return DuoRefused(f"Duo is having a problem ({http_words}). {STATUS_HINT}", status=status)
    if status == 400:
        return DuoRefused(
            f"Duo refused the request as invalid: {said or http_words}.", status=400, detail=detail
        )
    if status is not None and 300 <= status < 400:
        return DuoRefused(
            f"The address answered with a redirect, not Duo's API. {HOST_HINT}", status=status
        )
    if status == 200 or not message:
        return DuoRefused(f"The answer ({http_words}) was not Duo's. {HOST_HINT}", status=status)
    return DuoRefused(f"Duo answered with an error: {said} ({http_words}).", status=status)


def _json(data: Any) -> dict[str, Any]:
    # duo_client attaches the body as it had got with it: bytes, text or parsed JSON.
    if isinstance(data, dict):
        return data
    try:
        parsed = json.loads(data)
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}
