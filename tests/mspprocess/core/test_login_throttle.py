from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.utils import timezone

from mspprocess.core.staff_auth import LOCKOUT_MESSAGE, client_ip
from tests.csp import csp
from tests.factories import PASSWORD, ConnectionFactory, MembershipFactory, UserFactory
from tickettab.models import Tab

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def sign_in(client, username: str, password: str, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def fail(client, username: str, times: int, **extra) -> list:
    return [sign_in(client, username, "wrong password", **extra) for _ in range(times)]


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_it_locks_an_account_out_after_five_wrong_passwords(client) -> None:
    user = UserFactory()
    responses = fail(client, user.username, 5)
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]

    # Even the right password is refused now.
    response = sign_in(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert not is_signed_in(client)


def test_it_shows_our_lockout_page_without_naming_the_account(client) -> None:
    user = UserFactory(username="victim-person")
    fail(client, user.username, 5)
    response = sign_in(client, user.username, PASSWORD)
    assert response.status_code == 429
    body = response.content.decode()
    assert LOCKOUT_MESSAGE in body
    # It says what lifts the pause, and offers no password reset, which would not.
    assert "paused here for 15 minutes" in body
    assert "ask an administrator" in body
    assert "reset your password" not in body.lower()
    assert "MSP Process" in body  # our layout, not axes' plain text
    assert "victim-person" not in body


def test_it_answers_the_same_for_an_account_that_does_not_exist(client) -> None:
    user = UserFactory()
    existing = fail(client, user.username, 5)[-1]
    missing = fail(client, "no-such-person", 5, REMOTE_ADDR="10.0.0.2")[-1]
    assert existing.status_code == missing.status_code == 429
    assert existing.content == missing.content


def test_it_locks_one_account_from_one_address_not_the_whole_office(client) -> None:
    typist, colleague = UserFactory(), UserFactory()
    fail(client, typist.username, 5)
    assert sign_in(client, typist.username, PASSWORD).status_code == 429

    # The colleague behind the same office address signs in as usual...
    assert sign_in(client, colleague.username, PASSWORD).status_code == 302
    client.logout()
    # ...and so does the typist from another address.
    assert sign_in(client, typist.username, PASSWORD, REMOTE_ADDR="10.0.0.7").status_code == 302


def test_it_does_not_lock_an_address_for_a_few_failures_over_many_accounts(client) -> None:
    user = UserFactory()
    for i in range(10):
        sign_in(client, f"typo-{i}", "wrong password")
    assert sign_in(client, user.username, PASSWORD).status_code == 302


def test_it_locks_an_address_that_sprays_many_accounts(client, settings) -> None:
    user = UserFactory()
    limit = settings.SIGNIN_ADDRESS_FAILURE_LIMIT
    statuses = [sign_in(client, f"guess-{i}", "password1").status_code for i in range(limit)]
    # Each account failed once; the address reached its own, higher limit.
    assert statuses == [200] * (limit - 1) + [429]
    assert sign_in(client, user.username, PASSWORD).status_code == 429
    assert not is_signed_in(client)
    # Only that address: the same account signs in from elsewhere.
    assert sign_in(client, user.username, PASSWORD, REMOTE_ADDR="10.0.0.7").status_code == 302

    # The address's pause lifts with time, like the account's.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    client.logout()
    assert sign_in(client, user.username, PASSWORD).status_code == 302


def test_it_locks_the_admin_sign_in_too(client) -> None:
    staff = UserFactory(is_staff=True)
    for _ in range(4):
        response = client.post(
            "/admin/login/", {"username": staff.username, "password": "wrong password"}
        )
        assert response.status_code == 200
    response = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 302  # the fifth try, right: still in

    client.logout()
    fail(client, staff.username, 5)
    response = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 429
    assert LOCKOUT_MESSAGE in response.content.decode()


def test_it_forgives_ones_own_typos_after_the_right_password(client) -> None:
    user = UserFactory()
    fail(client, user.username, 4)
    assert sign_in(client, user.username, PASSWORD).status_code == 302
    client.logout()

    # Without the reset this would be failures 5 to 8: a lockout.
    assert [r.status_code for r in fail(client, user.username, 4)] == [200] * 4
    assert sign_in(client, user.username, PASSWORD).status_code == 302


def test_it_does_not_forgive_guesses_at_others_when_the_guesser_signs_in(client) -> None:
    guesser, victim = UserFactory(), UserFactory()
    fail(client, victim.username, 4)
    assert sign_in(client, guesser.username, PASSWORD).status_code == 302
    client.logout()

    response = sign_in(client, victim.username, "fifth guess")
    assert response.status_code == 429


def test_it_lifts_the_lockout_after_15_minutes(client) -> None:
    user = UserFactory()
    fail(client, user.username, 5)
    assert sign_in(client, user.username, PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert sign_in(client, user.username, PASSWORD).status_code == 302


def test_it_does_not_count_retries_during_a_lockout(client) -> None:
    user = UserFactory()
    fail(client, user.username, 5)
    before = list(AccessAttempt.objects.values_list("failures_since_start", "attempt_time"))
    fail(client, user.username, 3)
    after = list(AccessAttempt.objects.values_list("failures_since_start", "attempt_time"))
    assert after == before


def test_it_stores_no_password(client) -> None:
    user = UserFactory()
    sign_in(client, user.username, "my-secret-typo")
    attempt = AccessAttempt.objects.get()
    assert "my-secret-typo" not in attempt.post_data


def tab_signin(client, conn, username: str, password: str):
    return client.post(
        f"/tab/{conn.tenant.tab.key}/signin/", {"username": username, "password": password}
    )


def test_it_still_signs_a_member_in_to_the_tab_after_a_typo(client) -> None:
    conn = ConnectionFactory()
    Tab.objects.filter(tenant_id=conn.tenant_id).update(secret="")
    member = MembershipFactory(tenant=conn.tenant).user
    assert tab_signin(client, conn, member.username, "typo").status_code == 401
    response = tab_signin(client, conn, member.username, PASSWORD)
    assert response.status_code == 200
    assert "token" in response.json()


def test_it_answers_a_tab_lockout_in_json_with_the_tabs_headers(client) -> None:
    conn = ConnectionFactory()
    Tab.objects.filter(tenant_id=conn.tenant_id).update(secret="")
    member = MembershipFactory(tenant=conn.tenant).user
    statuses = [tab_signin(client, conn, member.username, "x").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]

    response = tab_signin(client, conn, member.username, PASSWORD)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": LOCKOUT_MESSAGE}
    assert csp(response)["frame-ancestors"].startswith("'self'")
    assert response["Cache-Control"] == "no-store"
    assert "X-Frame-Options" not in response
    assert not response.cookies


def test_it_counts_the_address_our_proxy_saw_behind_a_proxy(client, settings) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    user = UserFactory()
    # The client forges a different first entry every time; the proxy appends the
    # address it really came from.
    for i in range(5):
        forwarded = f"198.51.100.{i}, 203.0.113.5"
        sign_in(client, user.username, "x", HTTP_X_FORWARDED_FOR=forwarded)

    locked = sign_in(client, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert locked.status_code == 429
    # The same person from another client behind the same proxy (same REMOTE_ADDR).
    other = sign_in(client, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert other.status_code == 302
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"


def test_it_ignores_forwarded_for_without_a_proxy(client) -> None:
    user = UserFactory()
    for i in range(5):
        sign_in(client, user.username, "x", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    response = sign_in(client, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert response.status_code == 429


def test_it_falls_back_to_the_peer_for_a_missing_or_bad_forwarded_for(settings) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    rf = RequestFactory()
    assert client_ip(rf.get("/", REMOTE_ADDR="10.1.1.1")) == "10.1.1.1"
    bad = rf.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="1.2.3.4, not-an-ip")
    assert client_ip(bad) == "10.1.1.1"
    v6 = rf.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR=" 2001:db8::1 ")
    assert client_ip(v6) == "2001:db8::1"

    settings.TRUSTED_PROXY_COUNT = 2  # a CDN in front of the load balancer
    two = rf.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4, 10.0.0.9")
    assert client_ip(two) == "1.2.3.4"
    short = rf.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(short) == "10.1.1.1"
