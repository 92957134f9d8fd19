"""What can go wrong when we talk to a customer's Halo, in words the customer can act on.

Every error carries a `message` (what happened) and a `hint` (what to do about it,
using Halo's own menu names). Neither ever holds a secret, a token or a header:
they are shown on the integration page and written to logs as they are.
"""

from __future__ import annotations

import math
import time
from typing import Any

from integrations import netsafe
from mspprocess.errors import ReadableError

APPLICATIONS = "Configuration > Integrations > Halo API > View Applications"
RESOURCE_SERVER_HINT = (
    "Check the Resource Server: copy it from Halo under Configuration > Integrations > "
    "Halo API, for example https://yourcompany.halopsa.com/api."
)

# Which permission a 403 on a path means (the application's Permissions tab).
_PERMISSIONS = (
    ("POST", "/Actions", "edit:tickets"),
    ("GET", "/Actions", "read:tickets"),
    ("GET", "/Tickets", "read:tickets"),
    ("GET", "/TicketType", "read:tickets"),
    ("GET", "/Users", "read:customers"),
    ("GET", "/Client", "read:customers"),
)


def permission_fix(permission: str) -> str:
    """The exact change to make in Halo when the application lacks `permission`."""

    return (
        f"In Halo, open {APPLICATIONS} > (your application) > Permissions, tick "
        f"{permission}, and save. The application's Agent to log in as needs access to "
        "the same data."
    )


class HaloError(ReadableError):
    """Halo (or the way to it) failed; `message` says what, `hint` what to do."""

    default_message = "Halo did not answer as expected."
    default_hint = ""
    # Whether trying the same request again shortly may succeed.
    retryable = False

    def __init__(
        self,
        message: str = "",
        *,
        hint: str | None = None,
        status: int | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message or self.default_message)
        self.hint = self.default_hint if hint is None else hint
        self.status = status  # Halo's HTTP status, when there was one
        if retryable is not None:
            self.retryable = retryable

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()

    @property
    def kind(self) -> str:
        return type(self).__name__

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "hint": self.hint}


class BadCredentials(HaloError):
    default_message = "Halo rejected the Client ID or Client Secret."
    default_hint = (
        f"In Halo, open {APPLICATIONS}, check the application's Client ID, and generate a "
        "new secret if unsure."
    )


class MissingPermission(HaloError):
    default_message = "Halo refused access: the API application lacks a permission."
    default_hint = (
        f"In Halo, open {APPLICATIONS} > (your application) > Permissions and tick "
        "read:tickets, edit:tickets and read:customers."
    )

    def __init__(self, message: str = "", *, permission: str | None = None, **kwargs: Any):
        self.permission = permission
        if permission:
            message = message or f"Halo refused access: the API application lacks {permission}."
            kwargs.setdefault("hint", permission_fix(permission))
        super().__init__(message, **kwargs)


class NotFound(HaloError):
    default_message = "Halo has no record with that ID."


class HaloBusy(HaloError):
    """Halo may not be called now: our share of its API limit is spent, or Halo
    answered 429 and every process is holding off (see halo/budget.py).

    A 429 from Halo raises this too (with status=429) rather than an error of its
    own: for every caller it means the same thing, "wait until retry_at", and the
    wait is shared by every process, so no caller retries it within a request.
    """

    default_message = "Halo is busy."
    # Not retried within the request: the wait is minutes, shared by every process.
    retryable = False

    def __init__(self, message: str = "", *, retry_at: float, reason: str, **kwargs: Any):
        self.retry_at = retry_at  # epoch seconds
        self.reason = reason  # "share" or "backoff"
        if not message:
            if reason == "share":
                message = (
                    "Halo is busy: MSP Process has used its share of your Halo's API "
                    "limit for the last 5 minutes."
                )
            else:
                # After a 429, or a reply saying no calls remain.
                message = (
                    "Halo is busy: it said its API limit was reached, which Halo shares "
                    "among all of your integrations (about 300 requests per 5 minutes)."
                )
        kwargs.setdefault("hint", f"Try again in {self.retry_in} seconds.")
        super().__init__(message, **kwargs)

    @property
    def retry_in(self) -> int:
        return max(1, math.ceil(self.retry_at - time.time()))


class Unavailable(HaloError):
    default_message = "Halo did not answer in time or is unavailable."
    default_hint = (
        "Try again in a few minutes. If it keeps happening, check that the Resource "
        "Server is right and that your Halo is up."
    )
    retryable = True


class BadResponse(HaloError):
    default_message = "Halo's answer was not in the form we expected."
    default_hint = RESOURCE_SERVER_HINT


class InvalidRequest(HaloError):
    """Halo refused the request itself (HTTP 400, 405, 409, …)."""

    default_message = "Halo refused the request."


class AddressRefused(HaloError):
    """We will not send anything to this address (integrations.netsafe refused it)."""

    default_message = "That address points to a private network, so we will not connect to it."
    default_hint = (
        "Use the public https:// address of your Halo instance, for example "
        "https://yourcompany.halopsa.com."
    )


class HaloSlow(Unavailable):
    """We did not wait for (or did not call) a Halo that is slow to answer.

    `reason`: "deadline" (the technician's request ran out of time for Halo),
    "bulkhead" (this process already has its few calls in flight to that Halo) or
    "circuit" (that Halo timed out repeatedly just now; calls fail fast for a short
    while). See halo/resilience.py. An Unavailable, so the tab shows its older copy
    when it has one; never retried within the request, which is what it protects.
    """

    default_message = "Halo is slow to answer right now, so we stopped waiting for it."
    default_hint = "Try again in a moment. Codes you already sent can still be checked."
    retryable = False

    def __init__(self, message: str = "", *, reason: str, **kwargs: Any) -> None:
        self.reason = reason  # "deadline", "bulkhead" or "circuit"
        super().__init__(message, **kwargs)


def from_outbound(error: netsafe.OutboundError) -> HaloError:
    """What the outbound guard's refusal means for a Halo call, in a customer's words."""
    if isinstance(error, netsafe.NotInDns):
        return Unavailable(
            f"We could not find {error.host} in DNS.",
            hint="Check the spelling of the address; copy it from Halo under "
            "Configuration > Integrations > Halo API.",
            retryable=False,
        )
    if isinstance(error, netsafe.Redirected):
        where = f" to {error.location}" if error.location else ""
        return BadResponse(
            f"Halo answered with a redirect{where} instead of an answer.", status=error.status
        )
    if isinstance(error, netsafe.TooLarge):
        return BadResponse(
            f"Halo's answer was larger than we accept ({error.limit // 1024} KB).",
            status=error.status,
        )
    if isinstance(error, netsafe.TooSlow):
        return Unavailable("Halo took too long to answer.", hint="Try again in a minute.")
    if isinstance(error, netsafe.AddressRefused) and error.reason == "private":
        return AddressRefused(
            f"That address points to a private network ({error.host} is {error.address}), "
            "so we will not connect to it."
        )
    if isinstance(error, netsafe.AddressRefused) and error.reason == "scheme":
        return AddressRefused(
            "Halo must be reached over https://.",
            hint="Use the https:// address of your Halo instance.",
        )
    if isinstance(error, netsafe.AddressRefused) and error.reason == "unchecked":
        return AddressRefused("That address was not checked before connecting.")
    return AddressRefused("That address cannot be used.")


def api_error(method: str, path: str, status: int, body: Any) -> HaloError:
    """The error for a Halo API reply with an error status (other than 401 and 429).

    `body` is the parsed JSON, or None when the reply was HTML, text or empty, as
    Halo's 403, 404 and 500 replies often are: the status alone decides the error.
    """

    if status == 403:
        permission = next(
            (p for m, prefix, p in _PERMISSIONS if m == method and _under(path, prefix)), None
        )
        if permission:
            return MissingPermission(permission=permission, status=status)
        return MissingPermission(
            f"Halo refused access to {path}.",
            hint=f"In Halo, open {APPLICATIONS} > (your application) and check that its "
            "Agent to log in as is an active agent whose role can see agents and tickets.",
            status=status,
        )
    if status == 404:
        if body is None:
            # Not Halo's API answering "no such record" but a web server's page: the
            # address itself is wrong, which usually means the Resource Server is.
            return NotFound(
                f"There is no Halo API at {path}: the answer was a web page.",
                hint=RESOURCE_SERVER_HINT,
                status=status,
            )
        return NotFound(f"Halo has no record at {path}.", status=status)
    if status >= 500:
        return Unavailable(f"Halo answered with a server error (HTTP {status}).", status=status)
    detail = _halo_message(body)
    return InvalidRequest(
        f"Halo refused the request (HTTP {status}){f': {detail}' if detail else ''}.",
        status=status,
    )


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def _halo_message(body: Any) -> str:
    # Halo's error bodies: {"ClassName", "Message"}, {"Message"}, {"error"}, or 400s
    # keyed by field ({"[0].ticket_id": "…"}).
    if not isinstance(body, dict):
        return ""
    for key in ("Message", "message", "error_description", "error"):
        if isinstance(body.get(key), str):
            return body[key][:300]
    fields = [f"{k}: {v}" for k, v in body.items() if isinstance(v, str) and k != "ClassName"]
    return "; ".join(fields)[:300]
