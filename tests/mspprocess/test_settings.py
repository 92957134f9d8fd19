from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def production_env(**overrides: str) -> dict[str, str]:
    # Explicit values (even empty ones) win over the developer's .env file.
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "mspprocess.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "mspprocess.example.com",
        "PUBLIC_BASE_URL": "https://mspprocess.example.com",
        "DEFAULT_FROM_EMAIL": "MSP Process <no-reply@mspprocess.example.com>",
        "DATABASE_URL": "sqlite:////tmp/mspprocess-settings-test.sqlite3",
        "CACHE_URL": "locmemcache://",
        "HALO_SANDBOX": "false",
        "HALO_ALLOW_PRIVATE_ADDRESSES": "false",
    }
    env.update(overrides)
    return env


def run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


LOAD = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def test_it_starts_with_all_required_settings() -> None:
    result = run(LOAD, production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_it_refuses_to_start_without_secret_key() -> None:
    result = run(LOAD, production_env(SECRET_KEY=""))
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_it_refuses_to_start_without_field_encryption_keys() -> None:
    result = run(LOAD, production_env(FIELD_ENCRYPTION_KEYS=""))
    assert result.returncode != 0
    assert "ImproperlyConfigured: FIELD_ENCRYPTION_KEYS is not set" in result.stderr


def test_it_refuses_a_field_encryption_key_that_is_not_a_fernet_key() -> None:
    result = run(LOAD, production_env(FIELD_ENCRYPTION_KEYS="not-a-key"))
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key" in result.stderr
    assert "not-a-key" not in result.stderr.split("ImproperlyConfigured")[-1]


def test_it_refuses_to_start_without_public_base_url_in_production() -> None:
    result = run(LOAD, production_env(PUBLIC_BASE_URL=""))
    assert result.returncode != 0
    assert "ImproperlyConfigured: PUBLIC_BASE_URL is not set" in result.stderr


def test_it_refuses_a_malformed_proxy_header() -> None:
    result = run(LOAD, production_env(SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO"))
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER must be a header and a value" in result.stderr


def test_it_turns_on_https_settings_in_production() -> None:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER, s.HALO_SANDBOX, s.X_FRAME_OPTIONS)"
    )
    env = production_env(SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https")
    result = run(code, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "31536000",
        "True",
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "False",
        "DENY",
    ]


def test_it_passes_the_deploy_check_in_production() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("name", "default"),
    [
        ("HALO_TAB_TICKET_VARIABLE", "$FAULTID"),
        ("HALO_TAB_AGENT_VARIABLE", "$LOGGEDINAGENTID"),
        ("HALO_TAB_HMAC_VARIABLE", "$HMAC"),
    ],
)
def test_it_reads_the_tab_variables_literally(name: str, default: str) -> None:
    code = LOAD.replace("settings.DEBUG", f"settings.{name}")
    assert run(code, production_env()).stdout.strip() == default
    # "$…" is not expanded as a reference to another environment variable.
    assert run(code, production_env(**{name: "$AGENTID"})).stdout.strip() == "$AGENTID"


def test_it_refuses_a_tab_variable_that_is_not_one() -> None:
    code = LOAD.replace("settings.DEBUG", "settings.HALO_TAB_HMAC_VARIABLE")
    result = run(code, production_env(HALO_TAB_HMAC_VARIABLE="hmac&x=1"))
    assert result.returncode != 0
    assert "HALO_TAB_HMAC_VARIABLE must be a Halo variable" in result.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "DEFAULT_FROM_EMAIL is not set"),
        ("MSP Process <no-reply>", "DEFAULT_FROM_EMAIL is not an email address"),
    ],
)
def test_it_refuses_to_start_without_a_sender_address_in_production(
    value: str, message: str
) -> None:
    result = run(LOAD, production_env(DEFAULT_FROM_EMAIL=value))
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {message}" in result.stderr


def test_it_sends_mail_from_the_configured_address() -> None:
    sender = "Acme Support <support@acme.example>"
    code = LOAD.replace("settings.DEBUG", "settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL")
    result = run(code, production_env(DEFAULT_FROM_EMAIL=sender))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{sender} {sender}"
