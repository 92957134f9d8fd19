"""What can go wrong when we call an Okta org, in Okta's words and the admin's next step.

Okta answers errors with one JSON object, {errorCode, errorSummary, errorLink,
errorId, errorCauses: [{errorSummary}]}; a proxy or a wrong address may answer an
HTML page or nothing. Rate limits come with X-Rate-Limit-Reset (UTC epoch seconds).
No message ever holds the API token.
"""

from __future__ import annotations

import math
from typing import Any

import requests

from identity import addresses
from identity.adapters import LockedOut, ProviderError
from integrations import netsafe

STATUS_HINT = "Try again in a few minutes; Okta posts incidents at status.okta.com."
REISSUE_HINT = (
    "Create a new token in Okta's Admin Console (Security → API → Tokens) and paste it "
    "here. A token stops working when it is revoked, when the admin who created it is "
    "deactivated, or after 30 days without use."
)
PERMISSION_HINT = (
    "An API token can do what the admin who created it may do: create it as an admin "
    "who may manage users and their factors (for example an Organization Administrator)."
)
# How long to suggest waiting when a 429 says nothing usable.
DEFAULT_WAIT_SECONDS = 60


def org_hint() -> str:
    return (
        "Check the Okta org URL: it is your org's address, for example "
        f"{addresses.OKTA_EXAMPLE} (without -admin)."
    )


class OktaRefused(ProviderError):
    """Okta answered with an error status; `status` and `code` let a caller refine it."""

    def __init__(self, message: str, *, status: int, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def api_error(response: requests.Response, base: str, *, now: float) -> ProviderError:
    status = response.status_code
    body = _json(response)
    code = str(body.get("errorCode") or "")
    said = _words(body)
    if status == 429:
        wait = _wait_seconds(response.headers.get("X-Rate-Limit-Reset", ""), now)
        quoted = f" (Okta says: “{said}”)" if said else ""
        return OktaRefused(
            f"Okta's rate limit for its API was reached{quoted}. Try again in {wait} seconds.",
            status=429,
            code=code,
        )
    if status >= 500:
        return OktaRefused(
            f"Okta is having a problem (HTTP {status}). {STATUS_HINT}", status=status
        )
    if not code:
        # Not Okta's error object: an HTML page or a proxy's answer.
        return OktaRefused(
            f"{base} answered HTTP {status} with something other than Okta's API. {org_hint()}",
            status=status,
        )
    if status == 401:
        return OktaRefused(
            f"Okta refused the API token: {said}. {REISSUE_HINT}", status=401, code=code
        )
    if code == "E0000069":  # "User Locked"
        return LockedOut(f"Okta refuses the user: {said}. An Okta administrator can unlock them.")
    if status == 403:
        return OktaRefused(f"Okta refused: {said}. {PERMISSION_HINT}", status=403, code=code)
    return OktaRefused(f"Okta refused the request: {said}.", status=status, code=code)


def outbound_error(e: netsafe.OutboundError, base: str) -> ProviderError:
    """The guard refused or cut the request (netsafe's errors) in the admin's words."""
    if isinstance(e, netsafe.AddressRefused):
        if e.reason == "scheme":
            return ProviderError(f"Okta is reached over https only. {org_hint()}")
        return ProviderError(
            f"{e.host or base} is a private network address, so MSP Process will not "
            f"connect to it. {org_hint()}"
        )
    if isinstance(e, netsafe.NotInDns):
        return ProviderError(f"{e.host} is not in DNS. {org_hint()}")
    if isinstance(e, netsafe.Redirected):
        where = f" to {e.location}" if e.location else ""
        return ProviderError(
            f"{base} answered with a redirect{where} instead of Okta's API. {org_hint()}"
        )
    if isinstance(e, netsafe.TooLarge):
        return ProviderError(f"The answer from {base} was far larger than Okta's. {org_hint()}")
    if isinstance(e, netsafe.TooSlow):
        return ProviderError(f"Okta's answer took too long to arrive. {STATUS_HINT}")
    return ProviderError(f"MSP Process would not send the request to {base}. {org_hint()}")


def transport_error(
    e: requests.RequestException, base: str, timeout: tuple[float, float]
) -> ProviderError:
    connect, read = timeout
    if isinstance(e, requests.exceptions.SSLError):
        return ProviderError(
            f"The secure connection to {base} failed: its certificate could not be "
            f"verified. {org_hint()}"
        )
    if isinstance(e, requests.exceptions.ConnectTimeout):
        return ProviderError(
            f"Could not connect to Okta at {base} within {connect:g} seconds. {org_hint()} "
            "If it is right, try again in a few minutes."
        )
    if isinstance(e, requests.Timeout):
        return ProviderError(f"Okta did not answer within {read:g} seconds. {STATUS_HINT}")
    if isinstance(e, requests.ConnectionError):
        return ProviderError(f"Could not connect to Okta at {base}. {org_hint()}")
    return ProviderError(f"The request to Okta at {base} failed. {STATUS_HINT}")


def _words(body: dict[str, Any]) -> str:
    summary = " ".join(str(body.get("errorSummary") or "").split())
    causes = body.get("errorCauses")
    extra = [
        " ".join(str(c.get("errorSummary") or "").split())
        for c in (causes if isinstance(causes, list) else [])
        if isinstance(c, dict) and c.get("errorSummary")
    ]
    extra = [c for c in extra if c and c != summary]
    text = f"{summary} ({'; '.join(extra)})" if extra else summary
    return text.rstrip(".")[:300]


def _wait_seconds(reset: str, now: float) -> int:
    try:
        seconds = math.ceil(float(reset) - now)
    except (ValueError, OverflowError):  # not a number, "nan", "inf"
        return DEFAULT_WAIT_SECONDS
    # A reset in the past or hours away means a clock is off: suggest a minute.
    return seconds if 0 < seconds <= 3600 else DEFAULT_WAIT_SECONDS


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
