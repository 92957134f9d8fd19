from __future__ import annotations

import time
from urllib.parse import parse_qs

import pytest
import responses
from django.core.cache import cache
from responses import matchers

from integrations.halo import tokens
from integrations.halo.client import USER_AGENT, HaloClient
from integrations.halo.credentials import HaloCredentials
from integrations.halo.errors import (
    AddressRefused,
    BadCredentials,
    BadResponse,
    MissingPermission,
    NotFound,
    Unavailable,
)
from tests.integrations.halo.helpers import (
    ACCESS_TOKEN,
    API,
    SECRET,
    TOKEN_URL,
    FakeDNS,
    add_token,
    calls_to,
    make_creds,
)

ME = {"id": 3, "name": "MSP Process"}


def test_it_fetches_a_token_with_the_client_credentials_grant(
    rsps: responses.RequestsMock, creds: HaloCredentials
) -> None:
    add_token(rsps)
    rsps.get(API + "/Agent/me", json=ME)
    HaloClient(creds).me()

    token_call = calls_to(rsps, TOKEN_URL)[0].request
    assert token_call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert token_call.headers["User-Agent"] == USER_AGENT
    assert "Authorization" not in token_call.headers  # credentials go in the form
    form = parse_qs(token_call.body)
    assert form == {
        "grant_type": ["client_credentials"],
        "client_id": ["client-id-123"],
        "client_secret": [SECRET],
        "scope": ["read:tickets edit:tickets read:customers"],
    }


def test_it_reuses_one_token_for_many_calls(
    rsps: responses.RequestsMock, creds: HaloCredentials
) -> None:
    add_token(rsps)
    rsps.get(API + "/Agent/me", json=ME)
    client = HaloClient(creds)
    for _ in range(5):
        client.me()
    # A second client (another web request, same connection) uses the cached token.
    HaloClient(creds).me()

    assert len(calls_to(rsps, TOKEN_URL)) == 1
    api_calls = calls_to(rsps, API)
    assert len(api_calls) == 6
    assert {c.request.headers["Authorization"] for c in api_calls} == {f"Bearer {ACCESS_TOKEN}"}


def test_it_renews_the_token_a_minute_before_expiry(
    rsps: responses.RequestsMock, creds: HaloCredentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1_000_000.0]
    monkeypatch.setattr(tokens, "now", lambda: clock[0])
    add_token(rsps, "first", expires_in=3600)
    rsps.get(API + "/Agent/me", json=ME)
    client = HaloClient(creds)
    client.me()

    clock[0] += 3600 - 61  # still more than a minute left
    client.me()
    assert len(calls_to(rsps, TOKEN_URL)) == 1

    clock[0] += 2  # now within the last minute
    rsps.replace(responses.POST, TOKEN_URL, json={"access_token": "second", "expires_in": 3600})
    client.me()
    client.me()
    assert len(calls_to(rsps, TOKEN_URL)) == 2
    assert calls_to(rsps, API)[-1].request.headers["Authorization"] == "Bearer second"


def test_it_never_uses_a_token_of_other_credentials(
    rsps: responses.RequestsMock, creds: HaloCredentials
) -> None:
    add_token(rsps)
    rsps.get(API + "/Agent/me", json=ME)
    HaloClient(creds).me()
    HaloClient(make_creds(version=2)).me()
    HaloClient(make_creds(connection_id=8)).me()
    assert len(calls_to(rsps, TOKEN_URL)) == 3


def test_it_appends_the_halo_tenant_to_the_token_request(rsps: responses.RequestsMock) -> None:
    rsps.post(
        TOKEN_URL,
        match=[matchers.query_param_matcher({"tenant": "acme corp"})],
        json={"access_token": "t", "expires_in": 3600},
    )
    rsps.get(API + "/Agent/me", json=ME)
    HaloClient(make_creds(halo_tenant="acme corp")).me()
    assert calls_to(rsps, TOKEN_URL)[0].request.url == TOKEN_URL + "?tenant=acme+corp"


def test_it_waits_for_a_token_another_process_is_fetching(
    rsps: responses.RequestsMock, creds: HaloCredentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_token(rsps, "ours")
    rsps.get(API + "/Agent/me", json=ME)
    assert cache.add(tokens.lock_key(creds), "another-process", 30)

    def other_process_finishes(seconds: float) -> None:
        # While we wait, the lock holder stores the token it got from Halo.
        tokens.store(creds, tokens.Token("theirs", tokens.now() + 3600))

    monkeypatch.setattr(time, "sleep", other_process_finishes)
    HaloClient(creds).me()

    assert calls_to(rsps, TOKEN_URL) == []
    assert calls_to(rsps, API)[0].request.headers["Authorization"] == "Bearer theirs"
    assert cache.get(tokens.lock_key(creds)) == "another-process"  # not ours to release


def test_it_gives_up_waiting_for_a_stuck_lock(
    rsps: responses.RequestsMock, creds: HaloCredentials, settings
) -> None:
    settings.HALO_TOKEN_WAIT_SECONDS = 0
    add_token(rsps)
    cache.add(tokens.lock_key(creds), "another-process", 30)
    with pytest.raises(Unavailable) as info:
        HaloClient(creds, retries=0).me()
    assert "slow to issue an access token" in info.value.message
    assert calls_to(rsps, TOKEN_URL) == []


def test_it_releases_the_lock_after_fetching(
    rsps: responses.RequestsMock, creds: HaloCredentials
) -> None:
    rsps.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    with pytest.raises(BadCredentials):
        HaloClient(creds).me()
    assert cache.get(tokens.lock_key(creds)) is None


def test_it_reports_rejected_credentials(
    rsps: responses.RequestsMock, creds: HaloCredentials
) -> None:
    rsps.post(
        TOKEN_URL,
        status=401,
        json={"error": "invalid_client", "error_description": "Client authentication failed"},
    )
    with pytest.raises(BadCredentials) as info:
        HaloClient(creds).me()
    assert info.value.message == "Halo rejected the Client ID or Client Secret."
    assert "Configuration > Integrations > Halo API > View Applications" in info.value.hint
    assert len(rsps.calls) == 1  # bad credentials are not retried


@pytest.mark.parametrize(
    ("status", "body", "error", "says"),
    [
        (400, {"error": "invalid_scope"}, MissingPermission, "permissions we ask for"),
        (400, {"error": "unauthorized_client"}, BadCredentials, "Client ID and Secret"),
        (404, None, NotFound, "no Halo sign-in"),
        (200, {"token_type": "Bearer"}, BadResponse, "Authorisation Server"),
        (200, "<html>login</html>", BadResponse, "Authorisation Server"),
    ],
)
def test_it_maps_token_endpoint_failures(
    rsps: responses.RequestsMock,
    creds: HaloCredentials,
    status: int,
    body: object,
    error: type[Exception],
    says: str,
) -> None:
    if isinstance(body, str):
        rsps.post(TOKEN_URL, status=status, body=body)
    else:
        rsps.post(TOKEN_URL, status=status, json=body)
    with pytest.raises(error) as info:
        HaloClient(creds).me()
    assert says in str(info.value)


def test_it_hints_at_the_tenant_when_the_token_request_fails_with_500(
    rsps: responses.RequestsMock,
) -> None:
    rsps.post(TOKEN_URL + "?tenant=wrong", status=500, body="Server Error")
    with pytest.raises(Unavailable) as info:
        HaloClient(make_creds(halo_tenant="wrong")).me()
    assert "Tenant" in info.value.hint
    assert len(rsps.calls) == 3  # a 5xx is retried (twice) like any other


def test_it_refuses_an_auth_server_on_a_private_address(
    rsps: responses.RequestsMock, dns: FakeDNS
) -> None:
    dns.answers["auth.evil.example.com"] = ["169.254.169.254"]
    rsps.post("https://auth.evil.example.com/token", json={"access_token": "x"})
    creds = make_creds(auth_server="https://auth.evil.example.com")
    with pytest.raises(AddressRefused):
        HaloClient(creds).me()
    assert len(rsps.calls) == 0


def test_it_caches_tokens_only_until_their_renewal_time(creds: HaloCredentials) -> None:
    tokens.store(creds, tokens.Token("soon", tokens.now() + 30))  # inside the last minute
    assert tokens.cached(creds) is None
    tokens.store(creds, tokens.Token("later", tokens.now() + 3600))
    cached = tokens.cached(creds)
    assert cached is not None
    assert cached.access_token == "later"


def test_it_forgets_only_the_token_that_failed(creds: HaloCredentials) -> None:
    old = tokens.Token("old", tokens.now() + 3600)
    tokens.store(creds, tokens.Token("newer", tokens.now() + 3600))
    tokens.forget(creds, old)  # another process already replaced it: keep theirs
    cached = tokens.cached(creds)
    assert cached is not None
    assert cached.access_token == "newer"


def test_it_keeps_a_copy_so_a_tab_open_needs_no_cache_read_for_its_token(
    rsps: responses.RequestsMock, creds: HaloCredentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_token(rsps)
    rsps.get(API + "/Agent/me", json=ME)
    HaloClient(creds).me()
    reads: list[str] = []
    real_get = cache.get
    monkeypatch.setattr(
        cache, "get", lambda key, *a, **k: reads.append(key) or real_get(key, *a, **k)
    )

    HaloClient(creds).me()  # the next request of this process

    assert tokens.token_key(creds) not in reads
    assert len(calls_to(rsps, TOKEN_URL)) == 1


def test_it_drops_its_copy_of_a_token_halo_refused(
    rsps: responses.RequestsMock, creds: HaloCredentials
) -> None:
    add_token(rsps)
    rsps.get(API + "/Agent/me", status=401, json={"error": "invalid_token"})
    rsps.get(API + "/Agent/me", json=ME)
    assert HaloClient(creds).me() == ME  # refused once, renewed, answered

    assert len(calls_to(rsps, TOKEN_URL)) == 2
    assert tokens.cached(creds) is not None  # the new one, in the cache and the copy
    cache.clear()
    tokens.forget_copies()
    assert tokens.cached(creds) is None


def test_it_keeps_one_copy_per_connection_and_never_an_old_versions(
    creds: HaloCredentials,
) -> None:
    old, new = (
        tokens.Token("old-token", time.time() + 3600),
        tokens.Token("new", time.time() + 3600),
    )
    tokens.store(creds, old)
    newer = make_creds(version=creds.version + 1)  # the credentials changed
    tokens.store(newer, new)
    assert len(tokens._copies) == 1  # bounded by connections, not by changes
    assert tokens.cached(newer) == new
    cache.clear()
    assert tokens.cached(creds) is None  # the old version's token is nowhere
