"""The sandbox's `api/Tabs`: custom tabs through Halo's API (Halo's `Tabname` objects).

Only an application whose "Agent to log in as" is a Halo administrator may use them
(README: "needs an admin agent"); others get Halo's bare 403. Halo creates and
updates with a POST of an array (an item with an `id` updates that tab). The
published `Tabname` schema has no secret field, so the API cannot set or read a
tab's secret: a tab created here has none until someone sets it on the config page.
Halo's own permission name for tabs (probably an admin scope) is unconfirmed; the
sandbox asks read:tickets to read and edit:tickets to write, on top of the admin agent.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from integrations.sandbox import customtab, replies
from integrations.sandbox.endpoint import api_view
from integrations.sandbox.models import SandboxCustomTab, SandboxToken

INT32 = -(2**31)


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
    key = f"[{i}]"
    if not isinstance(item, dict):
        errors[key] = "Each item must be a Tabname object."
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
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return replies.field_errors({"$": "The request body is not valid JSON."})
    if not isinstance(body, list) or not body:
        return replies.field_errors({"$": "Send a JSON array of one or more Tabname."})
    errors: dict[str, str] = {}
    items = [_validate_tab(i, item, errors) for i, item in enumerate(body)]
    if errors:
        return replies.field_errors(errors)
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
