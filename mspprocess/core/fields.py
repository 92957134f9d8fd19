"""EncryptedTextField: secrets at rest, encrypted with MultiFernet.

Keys come from FIELD_ENCRYPTION_KEYS (newest first), independent of SECRET_KEY so
that rotating one never touches the other. The first key encrypts; every key
decrypts, which is what lets `rotate_encryption_keys` move rows to a new key while
the old one is still listed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.db.models.lookups import IsNull


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


@lru_cache(maxsize=4)
def _fernets(keys: tuple[str, ...]) -> tuple[Fernet, MultiFernet]:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    fernets = [Fernet(k) for k in keys]
    return fernets[0], MultiFernet(fernets)


def current_fernet() -> Fernet:
    """The Fernet of the newest key: the one that encrypts."""
    return _fernets(tuple(settings.FIELD_ENCRYPTION_KEYS))[0]


def multi_fernet() -> MultiFernet:
    return _fernets(tuple(settings.FIELD_ENCRYPTION_KEYS))[1]


def encrypt(plaintext: str) -> str:
    return multi_fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return multi_fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        # Never hand back the ciphertext: callers would treat it as the secret.
        raise DecryptionError(
            "A stored secret could not be decrypted with any key in FIELD_ENCRYPTION_KEYS. "
            "Was a key removed before `manage.py rotate_encryption_keys` ran?"
        ) from None


def is_current(token: str) -> bool:
    """True when the newest key decrypts the token (so rotation can skip it)."""
    try:
        current_fernet().decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def _clear_cache(**kwargs: Any) -> None:
    if kwargs.get("setting") == "FIELD_ENCRYPTION_KEYS":
        _fernets.cache_clear()


setting_changed.connect(_clear_cache)


class EncryptedTextField(models.TextField):
    """A text column whose value is stored encrypted.

    None and "" are stored as they are: "no secret" reveals nothing. Anything
    else is a Fernet token in the database and plaintext on the model.
    """

    description = "Text encrypted at rest"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        for option in ("unique", "db_index", "primary_key"):
            if kwargs.get(option):
                # Fernet tokens are randomized: equal secrets never have equal
                # ciphertexts, so an index or a uniqueness check would be a lie.
                raise ImproperlyConfigured(f"EncryptedTextField does not support {option}=True.")
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)

    def get_lookup(self, lookup_name: str) -> Any:
        # Only "is it set?" can be answered without the plaintext.
        if lookup_name == "isnull":
            return IsNull
        raise FieldError(f"EncryptedTextField supports no lookup but isnull, not {lookup_name!r}.")

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(f"EncryptedTextField supports no transform ({lookup_name!r}).")


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every concrete model with encrypted fields, and those fields' names."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, EncryptedTextField) and f.model is model
        ]
        if names:
            found.append((model, names))
    return found
