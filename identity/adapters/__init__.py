"""Talking to an identity provider: the connection test and a push, whatever the provider.

The tab and the pages call only what is here; `duo.py` and `okta.py` speak each
provider's documented API. Every request goes through the outbound guard
(`integrations.netsafe`): a provider URL is as hostile as any other URL a customer
types. Errors are `ProviderError`s whose message is written for the person who reads
it (the admin testing the connection, the technician in the tab), in the provider's
own words where it gave some.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from identity.models import IdentityProvider
from mspprocess.errors import ReadableError


class ProviderError(ReadableError):
    """The provider refused, failed or could not be reached; the message says what to do."""


class NoSuchUser(ProviderError):
    """No provider user is the contact (or the sign-in name matched nobody)."""


class AmbiguousUser(ProviderError):
    """The contact's email or sign-in name matches more than one provider user."""


class NotEnrolled(ProviderError):
    """The user has no device or factor at the provider yet."""


class LockedOut(ProviderError):
    """The provider has locked the user out (or disabled them)."""


class NoPushDevice(ProviderError):
    """The user is enrolled, but nothing they have can take a push (SMS or calls only)."""


@dataclass(frozen=True)
class PushMessage:
    """What the push says, where the provider lets us say something (Duo does; Okta's
    Factors API shows its own text)."""

    msp_name: str
    ticket_id: int
    technician: str


@dataclass(frozen=True)
class PushSent:
    ref: str  # the provider's reference to poll by, opaque to the caller (≤ 300 chars)
    device: str  # where it went, as the technician may see it ("Duo Mobile on iPhone")
    lifetime: timedelta  # how long the provider waits for the caller's answer
    number: str = ""  # the number the caller must pick (number matching), if any


class Answer(StrEnum):
    WAITING = "waiting"
    APPROVED = "approved"
    DENIED = "denied"
    TIMED_OUT = "timed_out"


def _adapter(provider: IdentityProvider):
    # Imported here: each adapter imports its provider's library, loaded only when used.
    if provider.kind == IdentityProvider.Kind.DUO:
        from identity.adapters import duo

        return duo
    from identity.adapters import okta

    return okta


def test_connection(provider: IdentityProvider) -> str:
    """Check the keys and the address; return what worked, in words, or raise ProviderError."""
    return _adapter(provider).test_connection(provider)


def send_push(provider: IdentityProvider, login: str, message: PushMessage) -> PushSent:
    """Find the user signed in as `login`, check they can take a push, and send one."""
    login = (login or "").strip()
    if not login:
        raise NoSuchUser(
            f"There is no sign-in name to look up in {provider.get_kind_display()}: the "
            "contact has no email address in Halo (or nothing in the Halo field this "
            "provider reads)."
        )
    return _adapter(provider).send_push(provider, login, message)


def push_answer(provider: IdentityProvider, ref: str) -> Answer:
    """The caller's answer so far to the push `ref`."""
    return _adapter(provider).push_answer(provider, ref)
