"""Resolving a tab request: the tab key, the tab token, and the headers of every reply.

Tab replies may be framed only by the tenant's Halo (CSP frame-ancestors), carry
no X-Frame-Options, are never cached, and never set a cookie.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.middleware.common import CommonMiddleware
from django.shortcuts import render
from django.urls import resolve
from django.utils.log import log_response
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django_htmx.http import reswap, retarget

from tickettab import tabauth
from tickettab.models import Tab

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]


def tab_headers(response: HttpResponse, tab: Tab | None) -> HttpResponse:
    ancestors = ["'self'"]
    conn = tab.connection if tab is not None else None
    if conn is not None and conn.halo_origin:
        ancestors.append(conn.halo_origin)
    # The site's policy with this frame-ancestors in place of its 'none': django-csp's
    # middleware writes the one Content-Security-Policy header from it. Setting the
    # header here would drop the rest of the policy (scripts, styles) from the tab.
    replace = dict(getattr(response, "_csp_replace", None) or {})
    replace["frame-ancestors"] = ancestors
    response._csp_replace = replace  # type: ignore[attr-defined]
    response["Cache-Control"] = "no-store"
    # The tab key is in our URL: never hand it to another site as a referrer.
    response["Referrer-Policy"] = "no-referrer"
    return response


def tab_page(
    request: HttpRequest,
    template: str,
    ctx: dict[str, Any],
    tab: Tab | None,
    status: int = 200,
) -> HttpResponse:
    return tab_headers(render(request, template, ctx, status=status), tab)


def not_found(request: HttpRequest) -> HttpResponse:
    """The same plain page for every unknown or rotated key: it names no tenant."""
    return tab_page(request, "tickettab/not_found.html", {}, None, status=404)


def error_status(error: Exception) -> int:
    """The status Django would answer for this exception."""
    if isinstance(error, Http404):
        return 404
    if isinstance(error, PermissionDenied):
        return 403
    if isinstance(error, BadRequest | SuspiciousOperation):
        return 400
    return 500


def error_page(request: HttpRequest, tab: Tab | None, error: Exception) -> HttpResponse:
    """Our answer to an exception in a tab view, reported as Django reports one.

    Called inside the `except`: a 500 is logged with its traceback and signalled
    (got_request_exception) like any unhandled exception, so monitoring sees it.
    HTMX requests get the message alone, swapped into the tab; a page load gets
    the whole page.
    """
    status = error_status(error)
    partial = _is_htmx(request)
    template = "tickettab/partials/error.html" if partial else "tickettab/error.html"
    ctx = {"status": status, "partial": partial}
    response = tab_page(request, template, ctx, tab, status=status)
    if status == 500:
        signals.got_request_exception.send(sender=None, request=request)
    log_response(
        "%s: %s",
        response.reason_phrase,
        _path_without_key(request.path),
        response=response,
        request=request,
        exception=error if status == 500 else None,  # a traceback only for our bugs
    )
    return response


def _path_without_key(path: str) -> str:
    # The tab key is a credential of the tenant's: keep it out of the logs.
    return re.sub(r"^/tab/[^/]+", "/tab/<key>", path)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def unknown_path(request: HttpRequest, tab: Tab, rest: str) -> HttpResponse:
    """Any other address under a tab key: our 404, framed for the tenant's Halo."""
    if not request.path_info.endswith("/") and _slash_resolves(request.path_info):
        # What APPEND_SLASH did before this catch-all matched everything here.
        return HttpResponsePermanentRedirect(
            CommonMiddleware(_no_view).get_full_path_with_slash(request)
        )
    return error_page(request, tab, Http404(rest))


def _slash_resolves(path: str) -> bool:
    match = resolve(path + "/")
    return getattr(match.func, "__name__", "") != "unknown_path"


def _no_view(request: HttpRequest) -> HttpResponse:
    raise AssertionError("CommonMiddleware is only asked for a URL here")


def tab_view(view: View) -> View:
    """For the tab's entry and sign-in: resolve the key; no token needed yet."""

    @wraps(view)
    def wrapper(request: HttpRequest, tab_key: str, *args: Any, **kwargs: Any) -> HttpResponse:
        tab: Tab | None = None
        try:
            tab = tabauth.tab_for_key(tab_key)
            if tab is None or tab.connection is None:
                return not_found(request)
            if tab.tenant.is_suspended:
                return tab_page(request, "tickettab/paused.html", {"tenant": tab.tenant}, tab)
            return tab_headers(view(request, tab, *args, **kwargs), tab)
        except Exception as error:
            # Django's own error pages carry X-Frame-Options: DENY, which Halo shows
            # as a broken frame; ours is framed like the tab and says what to do.
            if settings.DEBUG and error_status(error) == 500:
                raise  # the developer's traceback page
            return error_page(request, tab, error)

    # No ambient credential exists in the tab, so Django's cookie-based CSRF check
    # has nothing to protect; the X-Tab-Token header plays that role.
    return csrf_exempt(xframe_options_exempt(wrapper))


def tab_partial(view: View) -> View:
    """For the tab's HTMX partials: the key, then the X-Tab-Token header."""

    @wraps(view)
    def wrapper(request: HttpRequest, tab: Tab, *args: Any, **kwargs: Any) -> HttpResponse:
        identity = tabauth.read_token(request.META.get(tabauth.HEADER, ""), tab)
        if identity is None:
            return render(request, "tickettab/partials/unauthorized.html", status=401)
        # The agent's name is asked of Halo here, when the tab is shown, not when
        # Halo loads the iframe.
        who = tabauth.named(tab, identity)
        if who is None:
            logger.warning("tab: agent %s refused for tenant %s", identity.id, tab.tenant_id)
            response = render(request, "tickettab/partials/agent_refused.html", status=403)
            return reswap(retarget(response, "#ticket"), "innerHTML")
        return view(request, tab, who, *args, **kwargs)

    return tab_view(wrapper)


unknown_path_view = tab_view(unknown_path)


@csrf_exempt
@xframe_options_exempt
def no_key(request: HttpRequest) -> HttpResponse:
    """/tab/ with no key: the unknown key's page."""
    return not_found(request)
