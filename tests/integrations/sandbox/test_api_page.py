from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client

from integrations.sandbox import services
from integrations.sandbox.models import SandboxApplication, sha256_hex
from tests.integrations.sandbox.helpers import PAGES, fetch_token

pytestmark = pytest.mark.django_db

URL = PAGES + "config/api/"
SHOWN = re.compile(r'id="client-(id|secret)" type="text" readonly value="([^"]+)"')


def form(**fields) -> dict[str, object]:
    data = {"name": "Globex PSA", "agent": "1", "permissions": ["all"], "tenant": ""}
    return {k: v for k, v in {**data, **fields}.items() if v is not None}


def create(client: Client, **fields) -> tuple[SandboxApplication, str]:
    response = client.post(URL, form(**fields))
    assert response.status_code == 200
    shown = dict(SHOWN.findall(response.content.decode()))
    app = SandboxApplication.objects.get(client_id=shown["id"])
    return app, shown["secret"]


def database_dump() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM sandbox_sandboxapplication")
        return repr(cursor.fetchall())


def test_it_shows_the_servers_and_an_empty_list(client) -> None:
    body = client.get(URL).content.decode()
    # As Halo shows it: the API's address; the integration form reads the base off it.
    assert '<code id="resource-server">http://testserver/sandbox/halo/api</code>' in body
    assert '<code id="auth-server">http://testserver/sandbox/halo/auth</code>' in body
    assert "No applications yet." in body
    assert "Priya Shah" in body and "csrfmiddlewaretoken" in body
    assert 'href="/sandbox/halo/config/api/"' in body  # the nav link


def test_it_creates_an_application_and_shows_its_secret_once(client) -> None:
    response = client.post(
        URL, form(agent="3", permissions=["read:tickets", "edit:tickets"], tenant="globex")
    )
    body = response.content.decode()
    assert response["Cache-Control"] == "no-store"
    shown = dict(SHOWN.findall(body))
    app = SandboxApplication.objects.get(client_id=shown["id"])
    secret = shown["secret"]
    assert len(secret) >= 32
    assert (app.name, app.agent_id, app.tenant) == ("Globex PSA", 3, "globex")
    assert app.permissions == ["read:tickets", "edit:tickets"]
    assert 'value="http://testserver/sandbox/halo/api"' in body
    assert 'value="http://testserver/sandbox/halo/auth"' in body
    # Only the hash is stored, and the secret is never shown again.
    assert app.secret_hash == sha256_hex(secret)
    assert secret not in database_dump()
    for page in (URL, f"{URL}{app.id}/"):
        listed = client.get(page).content.decode()
        assert app.client_id in listed
        assert secret not in listed


def test_it_lets_the_new_credentials_fetch_a_token(client) -> None:
    app, secret = create(client)
    response = fetch_token(client, client_id=app.client_id, client_secret=secret)
    assert response.status_code == 200, response.content
    assert response.json()["token_type"] == "Bearer"
    assert fetch_token(client, client_id=app.client_id, client_secret="wrong").status_code == 401


def test_it_rotates_the_secret(client) -> None:
    app, old = create(client)
    response = client.post(f"{URL}{app.id}/rotate/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    shown = dict(SHOWN.findall(response.content.decode()))
    new = shown["secret"]
    assert shown["id"] == app.client_id and new != old
    assert "the previous secret no longer works" in response.content.decode()
    app.refresh_from_db()
    assert app.secret_rotated is not None
    assert fetch_token(client, client_id=app.client_id, client_secret=old).status_code == 401
    assert fetch_token(client, client_id=app.client_id, client_secret=new).status_code == 200
    assert client.get(f"{URL}{app.id}/rotate/").status_code == 405


def test_it_edits_the_agent_and_permissions(client) -> None:
    app, secret = create(client)
    body = client.get(f"{URL}{app.id}/").content.decode()
    assert 'value="all" id="id_permissions_0" checked' in body
    response = client.post(
        f"{URL}{app.id}/", form(name="Renamed", agent="2", permissions=["read:customers"])
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert (app.name, app.agent_id, app.permissions) == ("Renamed", 2, ["read:customers"])
    assert app.check_secret(secret)  # editing keeps the secret


def test_it_deletes_an_application(client) -> None:
    app, secret = create(client)
    assert client.post(f"{URL}{app.id}/delete/").status_code == 302
    assert not SandboxApplication.objects.filter(pk=app.pk).exists()
    assert fetch_token(client, client_id=app.client_id, client_secret=secret).status_code == 401
    assert client.get(f"{URL}{app.id}/").status_code == 404


def test_it_lists_applications_made_from_python(client) -> None:
    services.create_application("demo-client", "demo-secret-value")
    body = client.get(URL).content.decode()
    assert "demo-client" in body
    assert "demo-secret-value" not in body


@pytest.mark.parametrize(
    "fields",
    [
        {"agent": "\u0661"},
        {"agent": "9" * 40},
        {"agent": "99"},
        {"agent": ""},
        {"agent": "1\x00"},
        {"name": ""},
        {"name": "x" * 101},
        {"name": "Globex\x00"},
        {"permissions": ["write:everything"]},
        {"permissions": ["all\x00"]},
        {"tenant": "globex tenant"},
        {"tenant": "gl\x00bex"},
        {"tenant": "x" * 101},
        {"tenant": "globex\n"},
    ],
)
def test_it_answers_bad_input_with_form_errors(client, fields: dict[str, object]) -> None:
    response = client.post(URL, form(**fields))
    assert response.status_code == 200
    assert 'class="hs-error"' in response.content.decode()
    assert not SandboxApplication.objects.exists()
    app = services.create_application("existing", "existing-secret")
    response = client.post(f"{URL}{app.id}/", form(**fields))
    assert response.status_code == 200
    assert 'class="hs-error"' in response.content.decode()
    app.delete()


def test_it_answers_404_for_unknown_or_huge_ids(client) -> None:
    for path in ("999/", "9" * 30 + "/"):
        assert client.get(URL + path).status_code == 404
        assert client.post(URL + path + "rotate/").status_code == 404
        assert client.post(URL + path + "delete/").status_code == 404


def test_it_needs_a_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post(URL, form()).status_code == 403
    assert not SandboxApplication.objects.exists()
    app = services.create_application("existing", "existing-secret")
    for path in ("", "rotate/", "delete/"):
        assert client.post(f"{URL}{app.id}/{path}", form()).status_code == 403
    app.refresh_from_db()
    assert app.check_secret("existing-secret") and app.secret_rotated is None
