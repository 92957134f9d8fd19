"""Resolving a tab request: the tab key, the tab token, and the headers of every reply.

Tab replies may be framed only by the tenant's Halo (CSP frame-ancestors), carry
no X-Frame-Options, are never cached, and never set a cookie.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from integrations.models import HaloConnection
from tickettab import agents, tabauth

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]


def tab_headers(response: HttpResponse, conn: HaloConnection | None) -> HttpResponse:
    ancestors = "'self'"
    if conn is not None and conn.halo_origin:
        ancestors += f" {conn.halo_origin}"
    response["Content-Security-Policy"] = f"frame-ancestors {ancestors}"
    response["Cache-Control"] = "no-store"
    # The tab key is in our URL: never hand it to another site as a referrer.
    response["Referrer-Policy"] = "no-referrer"
    return response


def tab_page(
    request: HttpRequest,
    template: str,
    ctx: dict[str, Any],
    conn: HaloConnection | None,
    status: int = 200,
) -> HttpResponse:
    return tab_headers(render(request, template, ctx, status=status), conn)


def not_found(request: HttpRequest) -> HttpResponse:
    """The same plain page for every unknown or rotated key: it names no tenant."""
    return tab_page(request, "tickettab/not_found.html", {}, None, status=404)


def tab_view(view: View) -> View:
    """For the tab's entry and sign-in: resolve the key; no token needed yet."""

    @wraps(view)
    def wrapper(request: HttpRequest, tab_key: str, *args: Any, **kwargs: Any) -> HttpResponse:
        conn = HaloConnection.objects.for_tab_key(tab_key)
        if conn is None:
            return not_found(request)
        if conn.tenant.is_suspended:
            return tab_page(request, "tickettab/paused.html", {"tenant": conn.tenant}, conn)
        return tab_headers(view(request, conn, *args, **kwargs), conn)

    # No ambient credential exists in the tab, so Django's cookie-based CSRF check
    # has nothing to protect; the X-Tab-Token header plays that role.
    return csrf_exempt(xframe_options_exempt(wrapper))


def tab_partial(view: View) -> View:
    """For the tab's HTMX partials: the key, then the X-Tab-Token header."""

    @wraps(view)
    def wrapper(
        request: HttpRequest, conn: HaloConnection, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        identity = tabauth.read_token(request.META.get(tabauth.HEADER, ""), conn)
        if identity is None:
            return render(request, "tickettab/partials/unauthorized.html", status=401)
        if identity.kind == "agent":
            # Asked here, when the tab is shown, not when Halo loads the iframe.
            name = agents.agent_name(conn, identity.id)
            if name is None:
                logger.warning("tab: agent %s refused for tenant %s", identity.id, conn.tenant_id)
                response = render(request, "tickettab/partials/agent_refused.html", status=403)
                response["HX-Retarget"] = "#ticket"
                response["HX-Reswap"] = "innerHTML"
                return response
            identity = replace(identity, name=name)
        return view(request, conn, identity, *args, **kwargs)

    return tab_view(wrapper)
