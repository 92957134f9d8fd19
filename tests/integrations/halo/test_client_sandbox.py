"""Our client against the sandbox over real HTTP: hosted sign-in, the rate limit,
replies without empty fields, a list of one, and pages that are not JSON."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from integrations.halo.client import HaloClient
from integrations.halo.credentials import HaloCredentials
from integrations.halo.errors import HaloBusy, NotFound, Unavailable
from integrations.sandbox import seed
from integrations.sandbox import services as sandbox

# The live server answers from another thread: it must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _sandbox_mounted(sandbox_mounted: None) -> None:
    """Against the sandbox over HTTP, even where HALO_SANDBOX is off."""


def _creds(live_halo, **overrides) -> HaloCredentials:
    values = {
        "connection_id": 41,
        "version": 1,
        "base_url": live_halo.url,
        "auth_server": live_halo.url + "/auth",
        "halo_tenant": "",
        "client_id": live_halo.client_id,
        "client_secret": live_halo.client_secret,
    }
    return HaloCredentials(**(values | overrides))


@pytest.fixture
def hosted(live_halo, settings) -> dict[str, str]:
    """The authorisation server on another origin: the live server's other host name
    (localhost for 127.0.0.1, or the other way round), as a hosted Halo's would be."""
    api = urlsplit(live_halo.url)
    other = "127.0.0.1" if api.hostname == "localhost" else "localhost"
    settings.HALO_SANDBOX_HOSTED_AUTH_HOST = f"{other}:{api.port}"
    settings.HALO_SANDBOX_TENANT = "acme"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    return {"auth_server": f"http://{other}:{api.port}/sandbox/halo/hosted-auth"}


def test_it_signs_in_to_a_hosted_halo_with_its_tenant(live_halo, hosted) -> None:
    assert urlsplit(hosted["auth_server"]).netloc != urlsplit(live_halo.url).netloc
    with HaloClient(_creds(live_halo, halo_tenant="acme", **hosted)) as client:
        assert client.me()["id"] == seed.DEFAULT_AGENT_ID
    counts = sandbox.request_counts()
    assert counts["POST hosted-auth/token"] == 1
    assert "POST auth/token" not in counts


@pytest.mark.parametrize("tenant", ["", "other"])
def test_it_explains_a_missing_or_wrong_tenant(live_halo, hosted, tenant: str) -> None:
    creds = _creds(live_halo, halo_tenant=tenant, **hosted)
    with HaloClient(creds, retries=0) as client, pytest.raises(Unavailable) as info:
        client.me()
    assert info.value.status == 500
    if tenant:
        assert "Tenant" in info.value.hint


def test_it_finds_no_hosted_sign_in_on_the_apis_own_origin(live_halo, hosted) -> None:
    wrong = live_halo.url + "/hosted-auth"  # the API's host: not the auth server's
    creds = _creds(live_halo, halo_tenant="acme", auth_server=wrong)
    with HaloClient(creds) as client, pytest.raises(NotFound) as info:
        client.me()
    assert "sign-in" in info.value.message


def test_it_discovers_the_hosted_auth_server_from_authinfo(live_halo, hosted) -> None:
    with HaloClient(_creds(live_halo)) as client:
        info = client._http.get(live_halo.url + "/api/authinfo").json()
    assert info == {"auth_url": hosted["auth_server"], "tenant_id": "acme"}


def test_it_backs_off_every_process_after_the_sandboxs_429(live_halo, monkeypatch) -> None:
    pauses: list[float] = []
    monkeypatch.setattr("integrations.halo.client.time.sleep", pauses.append)
    sandbox.set_rate_limit(2)
    with HaloClient(_creds(live_halo)) as client:
        assert client.me()["id"] == seed.DEFAULT_AGENT_ID  # a token and a call: 2
        with pytest.raises(HaloBusy) as info:
            client.ticket(seed.TICKET_WITH_USER)
    assert pauses == []  # the wait is shared and minutes long: not spent in a request
    assert (info.value.reason, info.value.status) == ("backoff", 429)
    assert 4 <= info.value.retry_in <= 5  # no Retry-After from Halo: 5 s first
    assert str(info.value).startswith("Halo is busy")
    made = sandbox.request_counts()
    assert made["GET Tickets/{id}"] == 1
    # Another process (its own client and session, the same cache) is held off too,
    # without a single request reaching Halo.
    with HaloClient(_creds(live_halo)) as other, pytest.raises(HaloBusy):
        other.ticket(seed.TICKET_WITH_USER)
    assert sandbox.request_counts() == made


def test_it_reads_every_field_it_needs_though_empty_ones_are_left_out(live_halo) -> None:
    with HaloClient(_creds(live_halo)) as client:
        user = client.user(seed.USER_WITHOUT_MOBILE)
        ticket = client.ticket(seed.TICKET_WITHOUT_USER)
        assert client.actions(seed.TICKET_WITHOUT_USER) == []
    assert user["mobilenumber"] == "" and user["emailaddress"]
    assert (ticket["user_id"], ticket["user_email"]) == (0, "")


def test_it_takes_a_list_of_one_for_a_new_note(live_halo) -> None:
    sandbox.set_actions_reply_as_list(True)
    with HaloClient(_creds(live_halo)) as client:
        action = client.add_private_note(seed.TICKET_WITH_USER, "Caller verified.", "Note")
    assert action["id"] == 1
    assert sandbox.posted_actions(seed.TICKET_WITH_USER)[0]["note"] == "Caller verified."


def test_it_reads_halos_html_404_as_a_wrong_resource_server(live_halo) -> None:
    wrong = _creds(live_halo, base_url=live_halo.url + "/nowhere")
    with HaloClient(wrong, retries=0) as client, pytest.raises(NotFound):
        client.me()
    with HaloClient(_creds(live_halo)) as client, pytest.raises(NotFound) as info:
        client.get("/NoSuchThing")
    assert "web page" in info.value.message
    assert "Resource Server" in info.value.hint


def test_it_reads_halos_html_500_as_unavailable(live_halo) -> None:
    sandbox.set_faults(status=500, status_count=None)
    with HaloClient(_creds(live_halo), retries=1) as client, pytest.raises(Unavailable) as info:
        client.ticket(seed.TICKET_WITH_USER)
    assert info.value.status == 500
