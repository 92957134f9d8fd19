from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from integrations.models import HaloConnection
from mspprocess.core.fields import DecryptionError, EncryptedTextField
from tests.factories import TenantFactory
from tickettab import tabauth

pytestmark = pytest.mark.django_db

SECRET = "plain-client-secret-value-123"


def raw_column(pk: int, column: str = "client_secret") -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM integrations_haloconnection WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def make_connection(**kwargs) -> HaloConnection:
    return HaloConnection.objects.create(tenant=TenantFactory(), client_secret=SECRET, **kwargs)


def test_it_never_stores_the_plaintext() -> None:
    conn = make_connection()
    raw = raw_column(conn.pk)
    assert SECRET not in raw
    assert raw.startswith("gAAAA")  # a Fernet token


def test_it_decrypts_on_load() -> None:
    conn = make_connection()
    assert HaloConnection.objects.get(pk=conn.pk).client_secret == SECRET


def test_it_keeps_empty_values_empty() -> None:
    conn = HaloConnection.objects.create(tenant=TenantFactory(), client_secret="")
    assert raw_column(conn.pk) == ""
    assert HaloConnection.objects.get(pk=conn.pk).client_secret == ""


def test_it_raises_a_clear_error_when_no_key_decrypts(settings) -> None:
    conn = make_connection()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(DecryptionError) as excinfo:
        HaloConnection.objects.get(pk=conn.pk)
    assert "could not be decrypted" in str(excinfo.value)
    assert raw_column(conn.pk) not in str(excinfo.value)


def test_it_refuses_lookups_other_than_isnull() -> None:
    make_connection()
    with pytest.raises(FieldError):
        HaloConnection.objects.filter(client_secret=SECRET).count()
    with pytest.raises(FieldError):
        HaloConnection.objects.filter(client_secret__startswith="plain").count()
    assert HaloConnection.objects.filter(client_secret__isnull=False).count() == 1


@pytest.mark.parametrize("option", ["unique", "db_index", "primary_key"])
def test_it_refuses_options_it_cannot_honour(option: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        EncryptedTextField(**{option: True})


def test_it_survives_rotation_and_the_old_key_can_be_dropped(settings, capsys) -> None:
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    conn = make_connection()
    conn.tenant.tab.rotate_key()
    conn.tenant.tab.save()
    tab_key = conn.tenant.tab.key
    before = raw_column(conn.pk)

    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys")
    out = capsys.readouterr().out
    assert "integrations.HaloConnection.client_secret: 1 stored values, 1 re-encrypted" in out
    assert raw_column(conn.pk) != before

    # Twice is harmless: nothing left to do.
    call_command("rotate_encryption_keys")
    assert "Done: 0 values re-encrypted." in capsys.readouterr().out

    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    reloaded = HaloConnection.objects.get(pk=conn.pk)
    assert reloaded.client_secret == SECRET
    assert reloaded.tenant.tab.key == tab_key
    assert tabauth.tab_for_key(tab_key).tenant_id == reloaded.tenant_id
