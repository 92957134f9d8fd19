"""Contract: a Halo client that others wrote and tested against real Halo, run on the sandbox.

The `halopsa` package on PyPI (pinned in requirements.txt) was written against real
HaloPSA instances, not against our sandbox, so it is an independent witness: where it
and the sandbox disagree, one of them is wrong, and /work/shared/halo/README.md (cited
below as "README, <section>: <line>") decides which. Every call goes over real HTTP to
pytest-django's live server; nothing is mocked. Only the calls MSP Process makes are
covered: the token, Agent/me, a page of tickets, one ticket, one user, ticket types
and a private note.

What the client sends that our own client does not, and that the sandbox must take as
real Halo does (README, What independent clients show: "request tokens with
`scope=all`, page tickets with `pageinate=true&page_size=…&page_no=…`, and read users
with `includedetails=true`"):
- `scope=all` at the token endpoint;
- Python's spelling of booleans, `True`/`False`, in every query (`pageinate=True`,
  `includedetails=True`, `ticketidonly=False`): Halo is ASP.NET, whose bool binding is
  case-insensitive, and this client's authors read real replies with exactly these;
- query parameters the sandbox ignores (`count` beside `pageinate`, `includelastaction`),
  which Halo documents for these routes (openapi-subset.json) and must not turn into errors.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from HaloPSA.Halo import (
    Halo,
    _Actions,
    _Agents,
    _MethodsHelper,
    _Tickets,
    _TicketTypes,
    _Users,
)

from integrations.sandbox import seed
from integrations.sandbox import services as sandbox
from integrations.sandbox.models import SandboxToken, sha256_hex

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.conftest import LiveHalo

# The live server answers from another thread: it must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

# The fields README, Resources used, lists for each reply. Halo sends many more (and
# the sandbox may add any field its schemas have), so these are a floor, not the set.
AGENT_FIELDS = {"id", "name", "firstname", "surname", "email", "initials", "isdisabled"}
TICKET_FIELDS = {
    "id", "summary", "details", "tickettype_id", "tickettype_name", "status_id",
    "status_name", "client_id", "client_name", "site_id", "site_name", "user_id",
    "user_name", "user_email", "agent_id", "agent_name", "priority_id", "sla_id",
    "dateoccurred", "lastactiondate",
}  # fmt: skip
USER_FIELDS = {
    "id", "name", "firstname", "surname", "emailaddress", "phonenumber", "mobilenumber",
    "client_id", "client_name", "site_id", "site_name", "inactive",
}  # fmt: skip
TICKET_TYPE_FIELDS = {"id", "name", "allowall_iframe_customtabs", "allowed_iframe_customtabs"}
SEEDED_TICKETS = 20  # 1001-1020, integrations/sandbox/seed.py


def missing(fields: set[str], reply: dict[str, Any]) -> set[str]:
    """The README's fields that a reply lacks (named in the failure, unlike a subset test)."""
    return fields - set(reply)


class _SandboxMethods(_MethodsHelper):
    """halopsa's request helper, aimed at the sandbox.

    Workaround for a limitation of the client, not a disagreement about Halo: its
    constructor builds both addresses from a tenant name,
    `https://{tenant}.halo{psa|itsm}.com/auth/token` and `.../api`, so it can reach only
    Halo-hosted instances whose auth server is `<origin>/auth`, never a self-hosted Halo
    or a separate auth host (README, Addresses: "Halo-hosted instances may show another
    host … and a Tenant name"), and never sends `?tenant=` (README, Token). The body
    below is halopsa 2.0.2's `_MethodsHelper.__init__` with only those two addresses
    replaced; every request still goes through the package's own `_requester`. The one
    addition, a response hook, only records what the client sent, so that the tests
    check the requests as the client really makes them, not as we suppose it does.
    """

    def __init__(self, live: LiveHalo, secret: str, scope: str) -> None:  # no super(): see above
        self.session = requests.Session()
        self.sent: list[requests.PreparedRequest] = []
        self.session.hooks["response"].append(self._record)
        self.auth_url = f"{live.url}/auth/token"
        self.url = f"{live.url}/api"
        try:
            self.token = self._create_token(live.client_id, secret, scope)
        except Exception:
            self.session.close()  # refused: nobody will get to close it later
            raise
        self.session.headers.update(
            {"Content-Type": "application/json", "Authorization": "Bearer " + self.token}
        )
        self.formatted_params: list[dict[str, Any]] = []

    def _record(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.sent.append(response.request)

    def last_query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.sent[-1].url or "").query)


class SandboxHalo(Halo):
    """halopsa's `Halo`, wired as its own constructor does, for the endpoints we use."""

    def __init__(self, live: LiveHalo, *, secret: str | None = None, scope: str = "all") -> None:
        self._mh = _SandboxMethods(live, live.client_secret if secret is None else secret, scope)
        self.Actions = _Actions(mh=self._mh)
        self.Agents = _Agents(mh=self._mh)
        self.TicketTypes = _TicketTypes(mh=self._mh)
        self.Tickets = _Tickets(mh=self._mh)
        self.Users = _Users(mh=self._mh)


@pytest.fixture
def halo(live_halo: LiveHalo) -> Iterator[SandboxHalo]:
    sandbox.clear_log()  # so each test can count the requests the client made
    client = SandboxHalo(live_halo)
    yield client
    # Close its keep-alive connections while the live server that holds them still runs.
    client._mh.session.close()


def test_it_gets_a_token_with_client_credentials_and_scope_all(
    live_halo: LiveHalo, halo: SandboxHalo
) -> None:
    # The client sends scope=all; README, Token: "`all` also works".
    (grant,) = halo._mh.sent
    assert grant.method == "POST"
    assert grant.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(str(grant.body)) == {
        "grant_type": ["client_credentials"],
        "client_id": [live_halo.client_id],
        "client_secret": [live_halo.client_secret],
        "scope": ["all"],
    }
    token = SandboxToken.objects.get(token_hash=sha256_hex(halo._mh.token))
    assert token.scope == "all"
    assert token.application.client_id == live_halo.client_id
    assert sandbox.request_counts().get("POST auth/token") == 1
    # It re-runs the grant for each client it builds (README, Token: "none uses a
    # refresh token"): a second one gets a second, different token.
    other = SandboxHalo(live_halo)
    try:
        assert other._mh.token != halo._mh.token
    finally:
        other._mh.session.close()


def test_it_reports_a_wrong_secret_as_halo_words_it(live_halo: LiveHalo) -> None:
    # The client reads `error` and `error_description` from the 401 body, as README,
    # Token, has it: 401 {"error":"invalid_client","error_description":"…"}. A sandbox
    # reply without them would make the client raise KeyError instead of ValueError.
    with pytest.raises(ValueError, match=r"^Unauthorized\. .+ Make sure your client ID"):
        SandboxHalo(live_halo, secret="not-the-secret")
    assert sandbox.request_log()[-1]["status"] == 401


def test_it_gets_a_500_when_the_auth_server_wants_a_tenant(live_halo: LiveHalo) -> None:
    # halopsa never appends ?tenant= (see _SandboxMethods), and its own comment on a
    # 500 says "Got this when I gave it a bad tenant": independent support for README,
    # Token: "A wrong tenant has been seen to give HTTP 500". Its handler reads no body,
    # which suits the sandbox's non-JSON 500 page.
    sandbox.create_application(live_halo.client_id, live_halo.client_secret, tenant="acme")
    with pytest.raises(Exception, match=r"^500 - .*Is your Tenant ID right\?"):
        SandboxHalo(live_halo)
    last = sandbox.request_log()[-1]
    assert (last["endpoint"], last["status"]) == ("auth/token", 500)


def test_it_reads_the_agent_the_application_logs_in_as(halo: SandboxHalo) -> None:
    # Agents.get("me") asks for /api/Agent/me?includedetails=False.
    me = halo.Agents.get("me")
    assert urlsplit(halo._mh.sent[-1].url or "").path.endswith("/api/Agent/me")
    assert halo._mh.last_query() == {"includedetails": ["False"]}
    assert isinstance(me, dict)  # README, Resources used: a bare object (Uname)
    assert missing(AGENT_FIELDS, me) == set()
    assert (me["id"], me["name"], me["initials"], me["isdisabled"]) == (
        seed.DEFAULT_AGENT_ID,
        "API Integration",
        "AI",
        False,
    )
    assert sandbox.request_counts().get("GET Agent/me") == 1


def test_it_reads_a_page_of_tickets(halo: SandboxHalo) -> None:
    # Sends pageinate=True&page_size=5&page_no=2&count=50: README, Resources used, says
    # a paginated reply is {"page_no","page_size","record_count","tickets"}.
    page = halo.Tickets.search(pageinate=True, page_size=5, page_no=2)
    # Booleans go out as Python spells them; Halo (ASP.NET) reads them case-insensitively.
    assert halo._mh.last_query() == {
        "pageinate": ["True"],
        "page_size": ["5"],
        "page_no": ["2"],
        "count": ["50"],
    }
    assert isinstance(page, dict)
    assert {"page_no", "page_size", "record_count", "tickets"} <= set(page)
    assert (page["page_no"], page["page_size"], page["record_count"]) == (2, 5, SEEDED_TICKETS)
    assert [t["id"] for t in page["tickets"]] == [1006, 1007, 1008, 1009, 1010]
    assert [missing(TICKET_FIELDS, t) for t in page["tickets"]] == [set()] * 5


def test_it_caps_a_page_at_a_hundred_and_filters_by_ticket_type(halo: SandboxHalo) -> None:
    # README, Limits: "List pages hold at most 100 records"; the ticket-type filter is
    # `requesttype_id` (README, Resources used), which the client passes through as is.
    page = halo.Tickets.search(pageinate=True, page_size=500, page_no=1)
    assert page["page_size"] == 100
    assert len(page["tickets"]) == SEEDED_TICKETS
    projects = halo.Tickets.search(
        pageinate=True, page_size=100, requesttype_id=seed.TICKET_TYPE_WITHOUT_TABS
    )
    assert [t["id"] for t in projects["tickets"]] == [1013, 1014]
    assert projects["record_count"] == 2


def test_it_reads_one_ticket(halo: SandboxHalo) -> None:
    # Sends includedetails=False&includelastaction=False&ticketidonly=False.
    ticket = halo.Tickets.get(seed.TICKET_WITH_USER)
    assert halo._mh.last_query() == {
        "includedetails": ["False"],
        "includelastaction": ["False"],
        "ticketidonly": ["False"],
    }
    assert isinstance(ticket, dict)  # README: a bare object (Faults)
    assert missing(TICKET_FIELDS, ticket) == set()
    # Ticket 1001 has no empty field, so every field README, Resources used, lists comes
    # even without includedetails=true (the next test covers a ticket with empty ones).
    assert (ticket["id"], ticket["user_id"], ticket["user_email"], ticket["client_id"]) == (
        1001,
        201,
        "alice.morgan@kestrel.example.com",
        12,
    )
    assert (ticket["tickettype_id"], ticket["tickettype_name"]) == (3, "Account Change")
    assert sandbox.request_counts().get("GET Tickets/{id}") == 1


def test_it_gets_empty_fields_only_when_it_asks_for_details(halo: SandboxHalo) -> None:
    # README, What independent clients show: fields "may be left out of a reply when
    # empty or unless `includedetails=true` is asked". The client's default for one
    # ticket is includedetails=False, and it spells true as "True", which Halo (ASP.NET,
    # case-insensitive bool binding) and so the sandbox must read as true.
    bare = halo.Tickets.get(seed.TICKET_WITHOUT_USER)
    assert halo._mh.last_query()["includedetails"] == ["False"]
    assert bare["id"] == seed.TICKET_WITHOUT_USER
    # No end user and no agent: their names are empty, so left out; our client must
    # read a missing field as empty.
    assert {"user_name", "user_email", "agent_name"} & set(bare) == set()

    full = halo.Tickets.get(seed.TICKET_WITHOUT_USER, includedetails=True)
    assert halo._mh.last_query()["includedetails"] == ["True"]
    assert missing(TICKET_FIELDS, full) == set()
    # Empty references as 0 and "" rather than null: the sandbox's reading of Halo
    # (SandboxTicket.to_halo); the README does not say, so this pins the sandbox only.
    assert (full["user_id"], full["user_name"], full["agent_name"]) == (0, "", "")


def test_it_gets_a_404_for_a_ticket_halo_does_not_have(halo: SandboxHalo) -> None:
    # README: "404 an unknown id"; the client checks the status before any body
    # (README: such replies "usually carry no JSON body").
    with pytest.raises(Exception, match=r"^404 "):
        halo.Tickets.get(999_999)
    last = sandbox.request_log()[-1]
    assert (last["endpoint"], last["status"]) == ("Tickets/{id}", 404)


def test_it_reads_one_user_with_details(halo: SandboxHalo) -> None:
    # Sends includedetails=True (README, What independent clients show: "read users
    # with `includedetails=true`"), spelled the Python way.
    user = halo.Users.get(201)
    assert halo._mh.last_query() == {"includedetails": ["True"]}
    assert isinstance(user, dict)  # README: a bare object (Users)
    assert missing(USER_FIELDS, user) == set()
    assert (user["id"], user["emailaddress"], user["client_id"], user["site_id"]) == (
        201,
        "alice.morgan@kestrel.example.com",
        12,
        21,
    )
    assert user["inactive"] is False
    assert sandbox.request_counts().get("GET Users/{id}") == 1


def test_it_lists_ticket_types_as_a_bare_array(halo: SandboxHalo) -> None:
    # live_halo allows custom tabs on every type; the seed's default for Projects is off.
    sandbox.set_custom_tabs_allowed(False, tickettype_id=seed.TICKET_TYPE_WITHOUT_TABS)
    types = halo.TicketTypes.search()
    assert isinstance(types, list)  # README, Resources used: bare array (RequestType)
    # README, What independent clients show: fields "may be left out of a reply when
    # empty or unless includedetails=true is asked"; no type here allows tabs one by
    # one, so allowed_iframe_customtabs is an empty list and may be absent.
    floor = TICKET_TYPE_FIELDS - {"allowed_iframe_customtabs"}
    assert [missing(floor, t) for t in types] == [set()] * len(types)
    by_id = {t["id"]: t for t in types}
    assert set(by_id) == {1, 2, 3, 4}
    assert by_id[1]["name"] == "Incident"
    assert by_id[seed.TICKET_TYPE_WITHOUT_TABS]["allowall_iframe_customtabs"] is False
    assert sandbox.request_counts().get("GET TicketType") == 1


def test_it_posts_a_private_note_as_an_array_of_one(halo: SandboxHalo) -> None:
    before = len(sandbox.posted_actions(seed.TICKET_WITH_USER))
    # Actions.update wraps the fields in a list, so the body is [{...}]: README,
    # Resources used: "body is a JSON **array** of `Actions`".
    reply = halo.Actions.update(
        ticket_id=seed.TICKET_WITH_USER,
        outcome="MSP Process",
        note="Caller verified by SMS code (contract test)",
        hiddenfromuser=True,
        timetaken=0,
        sendemail=False,
    )
    # README: "one item in, one object out". It also says "a one-item POST has been seen
    # to answer a list", which the client copes with by returning whatever came; the
    # sandbox follows the main rule, and our own client must accept both.
    (body,) = json.loads(halo._mh.sent[-1].body or b"")
    assert body["hiddenfromuser"] is True
    assert isinstance(reply, dict)
    assert reply["ticket_id"] == seed.TICKET_WITH_USER
    assert reply["hiddenfromuser"] is True

    posted = sandbox.posted_actions(seed.TICKET_WITH_USER)
    assert len(posted) == before + 1
    note = posted[-1]
    assert note["id"] == reply["id"]
    assert note["note"] == "Caller verified by SMS code (contract test)"
    assert note["outcome"] == "MSP Process"
    assert (note["hiddenfromuser"], note["sendemail"]) == (True, False)
    assert sandbox.request_counts().get("POST Actions") == 1


def test_it_is_refused_a_note_without_the_edit_permission(
    live_halo: LiveHalo, halo: SandboxHalo
) -> None:
    # README: "403 means a missing permission"; the client raises PermissionError on
    # the status alone, so the sandbox's body (or lack of one) does not matter here.
    sandbox.set_permissions(live_halo.client_id, ["read:tickets", "read:customers"])
    with pytest.raises(PermissionError):
        halo.Actions.update(ticket_id=seed.TICKET_WITH_USER, outcome="MSP Process", note="x")
    assert sandbox.posted_actions(seed.TICKET_WITH_USER) == []
