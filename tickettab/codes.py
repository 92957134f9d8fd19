"""One-time codes and link tokens, and the keyed hashes we keep instead of them."""

from __future__ import annotations

import hmac
import secrets

from django.utils.crypto import salted_hmac

CODE_DIGITS = 6


def _keyed_hash(purpose: str, value: str) -> str:
    # Keyed with SECRET_KEY: a copy of the database alone cannot brute-force the
    # million possible codes.
    return salted_hmac(f"tickettab.{purpose}", value, algorithm="sha256").hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_code(code: str) -> str:
    """A salted keyed hash, "<salt>$<hex>", so equal codes never look equal."""
    salt = secrets.token_hex(8)
    return f"{salt}${_keyed_hash('code:' + salt, code)}"


def check_code(code: str, stored: str) -> bool:
    salt, _, digest = stored.partition("$")
    if not salt or not digest:
        return False
    return hmac.compare_digest(_keyed_hash("code:" + salt, code), digest)


def normalize_code(text: str) -> str:
    """What the technician typed, as digits: callers read codes as '123 456'."""
    return "".join(ch for ch in text if not ch.isspace() and ch != "-")


def new_link_token() -> str:
    return secrets.token_urlsafe(32)


def hash_link_token(token: str) -> str:
    """Unsalted (it is looked up by this value), but keyed and over 256 random bits."""
    return _keyed_hash("link", token)
