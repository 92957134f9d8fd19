"""The sandbox's Halo API: the resources MSP Process reads and the notes it writes.

Reply shapes follow /work/shared/halo/README.md; every field comes from Halo's own
schemas (tests/integrations/sandbox/test_schema.py keeps it that way). Records leave
out their empty fields unless the request asks `includedetails=true`, as Halo's do.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from integrations.sandbox import replies
from integrations.sandbox.endpoint import api_view, item_key, posted_items, sandbox_view
from integrations.sandbox.models import (
    SandboxAction,
    SandboxAgent,
    SandboxClient,
    SandboxSwitch,
    SandboxTicket,
    SandboxTicketType,
    SandboxToken,
    SandboxUser,
)
from integrations.sandbox.views import api_tabs
from mspprocess.parsing import INT32_MAX, parse_id, parse_integer

MAX_PAGE_SIZE = 100
DEFAULT_COUNT = 50

TICKET_RELATED = ("tickettype", "site__client", "user", "agent")


class BadParameter(ValueError):
    pass


def _int_param(request: HttpRequest, name: str, default: int | None) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    # Halo's parameters are int32: other digits, and numbers beyond, are not valid.
    value = parse_integer(raw)
    if value is None or not -INT32_MAX - 1 <= value <= INT32_MAX:
        raise BadParameter(name, f"The value '{raw}' is not valid.")
    return value


def _bool_param(request: HttpRequest, name: str) -> bool:
    return request.GET.get(name, "").strip().lower() in ("true", "1")


def _out(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """One record as Halo answers it: empty fields only with `includedetails=true`."""
    return replies.record(data, _bool_param(request, "includedetails"))


@api_view("Agent/me", GET="read:tickets")
def agent_me(request: HttpRequest, token: SandboxToken) -> HttpResponse:
    agent = token.application.agent
    if agent is None:  # api_view refuses such tokens already; this keeps types honest
        return replies.invalid_token()
    return replies.ok(_out(request, agent.to_halo()))


@api_view("Agent/{id}", GET="read:tickets")
def agent(request: HttpRequest, token: SandboxToken, id: int) -> HttpResponse:
    found = SandboxAgent.objects.filter(pk=id).first()
    if found is None:
        return replies.not_found(f"Agent {id} was not found.")
    return replies.ok(_out(request, found.to_halo()))


@api_view("Tickets/{id}", GET="read:tickets")
def ticket(request: HttpRequest, token: SandboxToken, id: int) -> HttpResponse:
    found = SandboxTicket.objects.select_related(*TICKET_RELATED).filter(pk=id).first()
    if found is None:
        return replies.not_found(f"Ticket {id} was not found.")
    return replies.ok(_out(request, found.to_halo()))


def _listing(request: HttpRequest, qs: QuerySet, key: str) -> HttpResponse:
    """A list reply as Halo shapes it: `count` records, or one page with `pageinate`."""
    try:
        page_size = _int_param(request, "page_size", DEFAULT_COUNT)
        page_no = _int_param(request, "page_no", 1)
        count = _int_param(request, "count", DEFAULT_COUNT)
    except BadParameter as e:
        return replies.field_errors({e.args[0]: e.args[1]})
    total = qs.count()
    if not _bool_param(request, "pageinate"):
        limit = min(max(count or DEFAULT_COUNT, 1), MAX_PAGE_SIZE)
        records = [_out(request, r.to_halo()) for r in qs[:limit]]
        return replies.ok({"record_count": total, key: records})

    # Halo caps a page at 100 records, whatever was asked for.
    size = min(max(page_size or DEFAULT_COUNT, 1), MAX_PAGE_SIZE)
    number = max(page_no or 1, 1)
    page = qs[(number - 1) * size : number * size]
    return replies.ok(
        {
            "page_no": number,
            "page_size": size,
            "record_count": total,
            key: [_out(request, r.to_halo()) for r in page],
        }
    )


@api_view("Tickets", GET="read:tickets")
def tickets(request: HttpRequest, token: SandboxToken) -> HttpResponse:
    try:
        type_id = _int_param(request, "requesttype_id", None)
    except BadParameter as e:
        return replies.field_errors({e.args[0]: e.args[1]})
    qs = SandboxTicket.objects.select_related(*TICKET_RELATED)
    if type_id is not None:
        qs = qs.filter(tickettype_id=type_id)
    return _listing(request, qs, "tickets")


@api_view("Users", GET="read:customers")
def users(request: HttpRequest, token: SandboxToken) -> HttpResponse:
    try:
        client_id = _int_param(request, "client_id", None)
        site_id = _int_param(request, "site_id", None)
    except BadParameter as e:
        return replies.field_errors({e.args[0]: e.args[1]})
    qs = SandboxUser.objects.select_related("site__client").order_by("id")
    if client_id is not None:
        qs = qs.filter(site__client_id=client_id)
    if site_id is not None:
        qs = qs.filter(site_id=site_id)
    return _listing(request, qs, "users")


def _flag(request: HttpRequest, name: str, default: bool) -> bool:
    raw = request.GET.get(name, "").strip().lower()
    return default if not raw else raw in ("true", "1")


# The fields a client list may be ordered by (Halo's `order`); others keep id order.
CLIENT_ORDERS = {"name": ("name", "id"), "id": ("id",)}


@api_view("Client", GET="read:customers")
def clients(request: HttpRequest, token: SandboxToken) -> HttpResponse:
    """Halo's client companies: `search` (a name like it), `includeactive` (default
    true), `includeinactive` (default false), `order`/`orderdesc`, paged as other lists.
    Which fields Halo searches besides the name is unconfirmed."""
    search = request.GET.get("search", "").strip()
    if "\x00" in search:  # PostgreSQL cannot compare with NUL; what Halo says is unconfirmed
        return replies.field_errors({"search": "The search cannot contain NUL characters."})
    qs = SandboxClient.objects.all()
    if search:
        qs = qs.filter(name__icontains=search)
    if not _flag(request, "includeactive", True):
        qs = qs.filter(inactive=True)
    if not _flag(request, "includeinactive", False):
        qs = qs.filter(inactive=False)
    order = CLIENT_ORDERS.get(request.GET.get("order", "").strip().lower(), ("id",))
    if _bool_param(request, "orderdesc"):
        order = tuple(f"-{field}" for field in order)
    return _listing(request, qs.order_by(*order), "clients")


@api_view("Users/{id}", GET="read:customers")
def user(request: HttpRequest, token: SandboxToken, id: int) -> HttpResponse:
    found = SandboxUser.objects.select_related("site__client").filter(pk=id).first()
    if found is None:
        return replies.not_found(f"User {id} was not found.")
    return replies.ok(_out(request, found.to_halo()))


@api_view("TicketType", GET="read:tickets", POST="edit:tickets")
def ticket_types(request: HttpRequest, token: SandboxToken) -> HttpResponse:
    if request.method == "POST":  # custom tabs per type: an administrator's change
        return api_tabs.post_ticket_types(request, token)
    types = SandboxTicketType.objects.prefetch_related(*api_tabs.TICKET_TYPE_RELATED)
    return replies.ok([_out(request, t.to_halo()) for t in types])


@api_view("TicketType/{id}", GET="read:tickets")
def ticket_type(request: HttpRequest, token: SandboxToken, id: int) -> HttpResponse:
    types = SandboxTicketType.objects.prefetch_related(*api_tabs.TICKET_TYPE_RELATED)
    found = types.filter(pk=id).first()
    if found is None:
        return replies.not_found(f"Ticket type {id} was not found.")
    return replies.ok(_out(request, found.to_halo()))


@api_view("Actions", GET="read:tickets", POST="edit:tickets")
def actions(request: HttpRequest, token: SandboxToken) -> HttpResponse:
    if request.method == "POST":
        return _post_actions(request, token)
    try:
        ticket_id = _int_param(request, "ticket_id", None)
        count = _int_param(request, "count", None)
    except BadParameter as e:
        return replies.field_errors({e.args[0]: e.args[1]})
    if ticket_id is None:
        return replies.field_errors({"ticket_id": "The ticket_id field is required."})
    if not SandboxTicket.objects.filter(pk=ticket_id).exists():
        return replies.not_found(f"Ticket {ticket_id} was not found.")
    qs = SandboxAction.objects.filter(ticket_id=ticket_id).select_related("application")
    newest_first = qs.order_by("-number")
    if count is not None and count > 0:
        newest_first = newest_first[:count]
    records = [_out(request, a.to_halo()) for a in newest_first]
    return replies.ok({"record_count": qs.count(), "actions": records})


@api_view("Actions/{id}", GET="read:tickets")
def action(request: HttpRequest, token: SandboxToken, id: int) -> HttpResponse:
    # Halo numbers actions within their ticket, so an action id needs its ticket_id.
    try:
        ticket_id = _int_param(request, "ticket_id", None)
    except BadParameter as e:
        return replies.field_errors({e.args[0]: e.args[1]})
    if ticket_id is None:
        return replies.field_errors({"ticket_id": "The ticket_id field is required."})
    found = (
        SandboxAction.objects.select_related("application")
        .filter(ticket_id=ticket_id, number=id)
        .first()
    )
    if found is None:
        return replies.not_found(f"Action {id} of ticket {ticket_id} was not found.")
    return replies.ok(_out(request, found.to_halo()))


def _validate_action(i: int, item: Any, errors: dict[str, str]) -> dict[str, Any]:
    """Check one posted Action; add Halo-style keyed errors; return clean values."""
    key = item_key(i, item, "Actions", errors)
    if key is None:
        return {}
    clean: dict[str, Any] = {}
    ticket_id = item.get("ticket_id")
    # A whole number or its ASCII digits, as an int32 id: "²" or 10**30 is no ticket.
    number = parse_id(str(ticket_id)) if isinstance(ticket_id, int | str) else None
    if ticket_id is None or ticket_id == "":
        errors[f"{key}.ticket_id"] = "The ticket_id field is required."
    elif isinstance(ticket_id, bool) or number is None or number > INT32_MAX:
        errors[f"{key}.ticket_id"] = f"The value '{ticket_id}' is not valid for ticket_id."
    else:
        clean["ticket_id"] = number
    outcome = item.get("outcome")
    if not isinstance(outcome, str) or not outcome.strip():
        errors[f"{key}.outcome"] = "The outcome field is required."
    else:
        clean["outcome"] = outcome
    note = item.get("note", "")
    if not isinstance(note, str | None):
        errors[f"{key}.note"] = "The note field must be a string."
    clean["note"] = note or ""
    for name in ("outcome", "note"):
        _check_text(item, name, key, errors)
    for name in ("hiddenfromuser", "sendemail"):
        value = item.get(name, False)
        if not isinstance(value, bool | None):
            errors[f"{key}.{name}"] = f"The value '{value}' is not valid for {name}."
        clean[name] = bool(value)
    timetaken = item.get("timetaken", 0)
    # Hours, a finite double: not NaN, an infinity or an integer past a double's range.
    hours = 0.0 if timetaken is None else math.nan
    if isinstance(timetaken, int | float) and not isinstance(timetaken, bool):
        with contextlib.suppress(OverflowError):
            hours = float(timetaken)
    if not math.isfinite(hours):
        errors[f"{key}.timetaken"] = f"The value '{timetaken}' is not valid for timetaken."
    else:
        clean["timetaken"] = hours
    return clean


def _check_text(item: dict[str, Any], name: str, key: str, errors: dict[str, str]) -> None:
    """What the sandbox's columns cannot hold: NUL (PostgreSQL refuses it), and more
    characters than the column has. Halo's own limits are unconfirmed."""
    value = item.get(name)
    if not isinstance(value, str):
        return
    if "\x00" in value:
        errors[f"{key}.{name}"] = f"The {name} cannot contain NUL characters."
    elif len(value) > (SandboxAction._meta.get_field(name).max_length or len(value)):
        errors[f"{key}.{name}"] = f"The {name} is too long."


def _post_actions(request: HttpRequest, token: SandboxToken) -> HttpResponse:
    items, refused = posted_items(request, "Actions", _validate_action)
    if refused:
        return refused

    wanted = {item["ticket_id"] for item in items}
    known = set(SandboxTicket.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - known:
        return replies.not_found(f"Ticket {min(wanted - known)} was not found.")

    app = token.application
    created = []
    with transaction.atomic():
        for item in items:
            # Lock the ticket so that concurrent workers number its actions in turn.
            locked = SandboxTicket.objects.select_for_update().get(pk=item["ticket_id"])
            last = locked.actions.aggregate(n=Max("number"))["n"] or 0
            now = timezone.now()
            action = SandboxAction.objects.create(
                ticket=locked,
                number=last + 1,
                who=app.agent,
                application=app,
                created=now,
                **{k: v for k, v in item.items() if k != "ticket_id"},
            )
            locked.lastactiondate = now
            locked.save(update_fields=["lastactiondate"])
            created.append(_out(request, action.to_halo()))
    # One item in, one object out, except that some Halo instances have been seen to
    # answer a list of one: a switch (services.set_actions_reply_as_list) plays that.
    if len(created) == 1 and not SandboxSwitch.is_on(SandboxSwitch.ACTIONS_AS_LIST):
        return replies.ok(created[0])
    return replies.ok(created)


@sandbox_view("{unknown}")
def unknown(request: HttpRequest, rest: str) -> HttpResponse:
    return replies.not_found_page(f"/api/{rest}")
