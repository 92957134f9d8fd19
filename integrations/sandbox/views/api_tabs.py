"""The sandbox's `api/Tabs`: custom tabs through Halo's API (Halo's `Tabname` objects),
and `POST api/TicketType`, which says on which ticket types they show.

Only an application whose "Agent to log in as" is a Halo administrator may use them
(README: "needs an admin agent"); others get Halo's bare 403. Halo creates and
updates with a POST of an array (an item with an `id` updates that tab). The
published `Tabname` schema has no secret field, so the API cannot set or read a
tab's secret: a tab created here has none until someone sets it on the config page.
Halo's own permission name for tabs (probably an admin scope) is unconfirmed; the
sandbox asks read:tickets to read and edit:tickets to write, on top of the admin agent.

`POST api/TicketType` updates ticket types (an item with an `id`), honouring two of
`RequestType`'s fields: `allowall_iframe_customtabs` and `allowed_iframe_customtabs`
(Halo's `IframeTabRequestType` entries, by `iframetab_id`; the list sent replaces the
type's list). Whether Halo's list replaces or merges is unconfirmed; replacing is the
harsher reading, so a client that drops another tab's entry is caught here. Other
fields are ignored and creating a type is refused: the project never needs either.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from integrations.sandbox import customtab, replies
from integrations.sandbox.endpoint import api_view, item_key, posted_items
from integrations.sandbox.models import (
    SandboxAllowedTab,
    SandboxCustomTab,
    SandboxTicketType,
    SandboxToken,
)
from mspprocess.parsing import INT32_MAX

INT32 = -(2**31)
# What a ticket type's reply needs: each allowed tab's entry and name, in one query.
TICKET_TYPE_RELATED = ("allowed_entries__tab",)
ALLOWED = "allowed_iframe_customtabs"
ALLOW_ALL = "allowall_iframe_customtabs"


def _max_length(name: str) -> int:
    return SandboxCustomTab._meta.get_field(name).max_length or 0


def to_halo(tab: SandboxCustomTab) -> dict[str, Any]:
    return {
        "id": tab.id,
        "name": tab.name,
        "url": tab.url,
        "sequence": tab.sequence,
        "tableid": tab.tableid,
    }


def _is_admin(token: SandboxToken) -> bool:
    agent = token.application.agent
    return agent is not None and agent.is_admin


def _out(request: HttpRequest, tab: SandboxCustomTab) -> dict[str, Any]:
    include = request.GET.get("includedetails", "").strip().lower() in ("true", "1")
    return replies.record(to_halo(tab), include)


@api_view("Tabs", GET="read:tickets", POST="edit:tickets")
def tabs(request: HttpRequest, token: SandboxToken) -> HttpResponse:
    if not _is_admin(token):
        return replies.forbidden_empty()
    if request.method == "POST":
        return _post_tabs(request)
    return replies.ok([_out(request, t) for t in SandboxCustomTab.objects.all()])


@api_view("Tabs/{id}", GET="read:tickets", DELETE="edit:tickets")
def tab(request: HttpRequest, token: SandboxToken, id: int) -> HttpResponse:
    if not _is_admin(token):
        return replies.forbidden_empty()
    found = SandboxCustomTab.objects.filter(pk=id).first()
    if found is None:
        return replies.not_found(f"Tab {id} was not found.")
    if request.method == "DELETE":
        found.delete()
        return HttpResponse(status=200)
    return replies.ok(_out(request, found))


def _int_field(item: dict[str, Any], name: str, key: str, errors: dict[str, str]) -> int | None:
    value = item.get(name)
    if value is None:
        return None
    # Tabname's integers are int32; anything else would not fit Halo's (or our) column.
    if isinstance(value, bool) or not isinstance(value, int) or not INT32 <= value < -INT32:
        errors[f"{key}.{name}"] = f"The value '{value}' is not valid for {name}."
        return None
    return value


def _validate_tab(i: int, item: Any, errors: dict[str, str]) -> dict[str, Any]:
    """Check one posted Tabname; add Halo-style keyed errors; return clean values."""
    key = item_key(i, item, "Tabname", errors)
    if key is None:
        return {}
    clean: dict[str, Any] = {}
    for name in ("id", "sequence", "tableid"):
        value = _int_field(item, name, key, errors)
        if value is not None:
            clean[name] = value
    if clean.get("id", 1) <= 0:
        del clean["id"]  # Halo's clients send id 0 (or -1) for a new record
    creating = "id" not in clean
    for name in ("name", "url"):
        value = item.get(name)
        if value is None and not creating:
            continue  # an update may leave a field as it is
        if not isinstance(value, str) or not value.strip():
            errors[f"{key}.{name}"] = f"The {name} field is required."
        elif "\x00" in value:  # PostgreSQL cannot store it
            errors[f"{key}.{name}"] = f"The {name} cannot contain NUL characters."
        else:
            clean[name] = value.strip()
    if "url" in clean:
        try:
            clean["url"] = customtab.check_url(clean["url"])
        except ValueError as e:
            errors[f"{key}.url"] = str(e)
    for name in ("name", "url"):
        if len(clean.get(name, "")) > _max_length(name):
            errors[f"{key}.{name}"] = f"The {name} is too long."
    return clean


def _post_tabs(request: HttpRequest) -> HttpResponse:
    items, refused = posted_items(request, "Tabname", _validate_tab)
    if refused:
        return refused
    wanted = {item["id"] for item in items if "id" in item}
    known = set(SandboxCustomTab.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - known:
        return replies.not_found(f"Tab {min(wanted - known)} was not found.")

    saved = []
    with transaction.atomic():
        for item in items:
            ident = item.pop("id", None)
            tab = SandboxCustomTab.objects.get(pk=ident) if ident else SandboxCustomTab()
            for name, value in item.items():
                setattr(tab, name, value)
            tab.save()  # the secret is never touched: Tabname has no such field
            saved.append(_out(request, tab))
    return replies.ok(saved[0] if len(saved) == 1 else saved)


# -- POST api/TicketType --------------------------------------------------------------


def _int32(value: Any) -> bool:
    # JSON's true is a Python bool, and bool is an int: neither is an id.
    return isinstance(value, int) and not isinstance(value, bool) and INT32 <= value <= INT32_MAX


def _shown(value: Any) -> str:
    # Echo a refused value the way Halo's messages do, but never a megabyte of it.
    text = str(value).replace("\x00", "\\0")
    return text if len(text) <= 40 else text[:40] + "…"


def _validate_allowed(
    key: str, type_id: int | None, allowed: Any, errors: dict[str, str]
) -> list[int]:
    """The tab ids of a posted `allowed_iframe_customtabs`, in order, each once."""
    if not isinstance(allowed, list):
        errors[f"{key}.{ALLOWED}"] = f"The {ALLOWED} field must be an array."
        return []
    tab_ids: list[int] = []
    for j, entry in enumerate(allowed):
        at = f"{key}.{ALLOWED}[{j}]"
        if not isinstance(entry, dict):
            errors[at] = "Each entry must be an IframeTabRequestType object."
            continue
        tab_id = entry.get("iframetab_id")
        if tab_id is None:
            errors[f"{at}.iframetab_id"] = "The iframetab_id field is required."
        elif not _int32(tab_id) or tab_id <= 0:
            errors[f"{at}.iframetab_id"] = f"The value '{_shown(tab_id)}' is not valid."
        else:
            tab_ids.append(tab_id)
        # The entry's own id and its type's id: Halo's clients send 0 for a new entry.
        for name in ("id", "tickettype_id"):
            value = entry.get(name)
            if value is not None and not _int32(value):
                errors[f"{at}.{name}"] = f"The value '{_shown(value)}' is not valid."
        owner = entry.get("tickettype_id")
        if _int32(owner) and owner not in (0, type_id) and type_id is not None:
            errors[f"{at}.tickettype_id"] = f"This entry belongs to ticket type {owner}."
        name = entry.get("iframetab_name")
        if name is not None and not isinstance(name, str):
            errors[f"{at}.iframetab_name"] = "The iframetab_name field must be a string."
    return list(dict.fromkeys(tab_ids))


def _validate_type(i: int, item: Any, errors: dict[str, str]) -> dict[str, Any]:
    """Check one posted RequestType; add Halo-style keyed errors; return clean values."""
    key = item_key(i, item, "RequestType", errors)
    if key is None:
        return {}
    clean: dict[str, Any] = {}
    ident = item.get("id")
    if ident is None:
        errors[f"{key}.id"] = "The id field is required: only existing types can be updated."
    elif not _int32(ident) or ident <= 0:
        errors[f"{key}.id"] = f"The value '{_shown(ident)}' is not valid for id."
    else:
        clean["id"] = ident
    allow_all = item.get(ALLOW_ALL)
    if allow_all is not None:
        if isinstance(allow_all, bool):
            clean[ALLOW_ALL] = allow_all
        else:
            errors[f"{key}.{ALLOW_ALL}"] = f"The value '{_shown(allow_all)}' is not valid."
    if item.get(ALLOWED) is not None:
        clean[ALLOWED] = _validate_allowed(key, clean.get("id"), item[ALLOWED], errors)
    return clean


def _unknown_tabs(items: list[dict[str, Any]], errors: dict[str, str]) -> None:
    wanted = {tab_id for item in items for tab_id in item.get(ALLOWED, [])}
    known = set(SandboxCustomTab.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    for i, item in enumerate(items):
        for tab_id in item.get(ALLOWED, []):
            if tab_id not in known:
                errors[f"[{i}].{ALLOWED}"] = f"Tab {tab_id} was not found."
                break


def _replace_allowed(ticket_type: SandboxTicketType, tab_ids: list[int]) -> None:
    # Entries for tabs that stay keep their ids, as a list Halo saves back would.
    entries = ticket_type.allowed_entries
    entries.exclude(tab_id__in=tab_ids).delete()
    kept = set(entries.values_list("tab_id", flat=True))
    SandboxAllowedTab.objects.bulk_create(
        [
            SandboxAllowedTab(tickettype=ticket_type, tab_id=tab_id)
            for tab_id in tab_ids
            if tab_id not in kept
        ]
    )


def post_ticket_types(request: HttpRequest, token: SandboxToken) -> HttpResponse:
    """`POST api/TicketType` (routed from views/api.py, where its GET lives)."""
    if not _is_admin(token):
        return replies.forbidden_empty()
    items, refused = posted_items(request, "RequestType", _validate_type)
    if refused:
        return refused
    errors: dict[str, str] = {}
    _unknown_tabs(items, errors)
    if errors:
        return replies.field_errors(errors)
    wanted = {item["id"] for item in items}
    found = {t.pk: t for t in SandboxTicketType.objects.filter(pk__in=wanted)}
    if wanted - found.keys():
        return replies.not_found(f"Ticket type {min(wanted - found.keys())} was not found.")

    with transaction.atomic():
        for item in items:
            ticket_type = found[item["id"]]
            if ALLOW_ALL in item and ticket_type.allowall_iframe_customtabs != item[ALLOW_ALL]:
                ticket_type.allowall_iframe_customtabs = item[ALLOW_ALL]
                ticket_type.save(update_fields=[ALLOW_ALL])
            if ALLOWED in item:
                _replace_allowed(ticket_type, item[ALLOWED])
    # Halo answers the updated records: always an array here, one per item sent.
    updated = SandboxTicketType.objects.prefetch_related(*TICKET_TYPE_RELATED).in_bulk(wanted)
    return replies.ok([_out_type(request, updated[item["id"]]) for item in items])


def _out_type(request: HttpRequest, ticket_type: SandboxTicketType) -> dict[str, Any]:
    include = request.GET.get("includedetails", "").strip().lower() in ("true", "1")
    return replies.record(ticket_type.to_halo(), include)
