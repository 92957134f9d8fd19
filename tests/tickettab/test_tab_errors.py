"""The tab's error pages are framed like the tab, so Halo shows our message, not a
broken frame; every other page keeps X-Frame-Options: DENY."""

from __future__ import annotations

import logging

import pytest
from django.http import Http404
from django.test import Client

from mspprocess.core.models import Tenant
from tests.factories import ConnectionFactory
from tests.tickettab.test_tab_entry import agent_token, signed_url
from tickettab import context
from tickettab.views import tab as views

pytestmark = pytest.mark.django_db

OOPS = "Something went wrong in MSP Process. Reload the ticket in Halo"


def framed_for(response, ancestors: str) -> bool:
    return (
        f"frame-ancestors {ancestors}" in response.get("Content-Security-Policy", "")
        and "X-Frame-Options" not in response
    )


@pytest.fixture
def quiet_client() -> Client:
    # A 500 is signalled like any unhandled exception; answer it instead of raising.
    return Client(raise_request_exception=False)


def broken(*args, **kwargs):
    raise RuntimeError("a bug of ours")


def test_it_frames_a_500_from_the_entry_for_the_tenants_halo(
    quiet_client, monkeypatch, caplog
) -> None:
    conn = ConnectionFactory()
    monkeypatch.setattr(views.tabload, "read_load", broken)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = quiet_client.get(signed_url(conn))
    assert response.status_code == 500
    assert framed_for(response, f"'self' {conn.halo_origin}")
    body = response.content.decode()
    assert OOPS in body and "tell your MSP Process administrator" in body
    assert 'class="tab"' in body  # the tab's page, not the site's 500
    # Reported like any unhandled exception, without the tab key.
    record = next(r for r in caplog.records if r.name == "django.request")
    assert record.exc_info and record.exc_info[0] is RuntimeError
    assert conn.tenant.tab.key not in record.getMessage()


def test_it_swaps_a_500_of_a_partial_into_the_tab(quiet_client, monkeypatch) -> None:
    conn = ConnectionFactory()
    monkeypatch.setattr(context, "load_context", broken)
    response = quiet_client.get(
        f"/tab/{conn.tenant.tab.key}/ticket/?ticket_id=1001",
        HTTP_X_TAB_TOKEN=agent_token(conn),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 500
    assert framed_for(response, f"'self' {conn.halo_origin}")
    body = response.content.decode()
    assert OOPS in body and "data-reload" in body
    assert "<html" not in body  # the message alone, for HTMX to swap in


def test_it_still_raises_for_the_test_client_by_default(client, monkeypatch) -> None:
    # Signalled as Django signals an unhandled exception: tests see the bug.
    conn = ConnectionFactory()
    monkeypatch.setattr(views.tabload, "read_load", broken)
    with pytest.raises(RuntimeError):
        client.get(signed_url(conn))


def test_it_frames_a_404_raised_in_a_tab_view(client, monkeypatch) -> None:
    conn = ConnectionFactory()

    def missing(*args, **kwargs):
        raise Http404("no such verification")

    monkeypatch.setattr(views.tabload, "read_load", missing)
    response = client.get(signed_url(conn))
    assert response.status_code == 404
    assert framed_for(response, f"'self' {conn.halo_origin}")
    assert "does not exist" in response.content.decode()


def test_it_frames_an_unknown_sub_path_for_the_tenants_halo(client) -> None:
    conn = ConnectionFactory()
    for path in ("nonsense/", "ticket/extra/", "a/b/c"):
        response = client.get(f"/tab/{conn.tenant.tab.key}/{path}")
        assert response.status_code == 404, path
        assert framed_for(response, f"'self' {conn.halo_origin}"), path
        body = response.content.decode()
        assert "This part of the MSP Process tab does not exist" in body
        assert "Set-Cookie" not in response.headers


def test_it_still_adds_the_slash_to_a_known_tab_address(client) -> None:
    conn = ConnectionFactory()
    response = client.get(f"/tab/{conn.tenant.tab.key}/ticket?ticket_id=1001")
    assert response.status_code == 301
    assert response["Location"] == f"/tab/{conn.tenant.tab.key}/ticket/?ticket_id=1001"


def test_it_frames_an_unknown_key_for_self_only(client) -> None:
    for path in ("/tab/not-a-key/", "/tab/not-a-key/ticket/", "/tab/not-a-key/x/y", "/tab/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert framed_for(response, "'self'"), path
        assert "acme.halopsa.com" not in response.get("Content-Security-Policy", "")
        assert "Tab not found" in response.content.decode()


def test_it_frames_the_paused_page_for_the_tenants_halo(client) -> None:
    conn = ConnectionFactory()
    conn.tenant.status = Tenant.Status.SUSPENDED
    conn.tenant.save(update_fields=["status"])
    for path in ("", "nonsense/"):
        response = client.get(f"/tab/{conn.tenant.tab.key}/{path}")
        assert response.status_code == 200, path
        assert framed_for(response, f"'self' {conn.halo_origin}"), path
        assert "MSP Process is paused" in response.content.decode()


def test_it_keeps_x_frame_options_deny_outside_the_tab(client) -> None:
    for path in ("/accounts/login/", "/no-such-page/", "/t/no-such-workspace/"):
        response = client.get(path)
        assert response["X-Frame-Options"] == "DENY", path
        assert "'self' https://" not in response.get("Content-Security-Policy", ""), path
