"""Reply bodies in the shapes Halo uses (see /work/shared/halo/README.md).

Halo's API errors come as `{"ClassName", "Message"}`; its 400s are keyed by field
(`{"[0].ticket_id": "…"}`); its auth server answers with OAuth's `{"error", …}`.
Not every error is JSON: clients report 403s with a plain or empty body, and 404s for
unknown routes and 500s as the web server's HTML pages, so the sandbox does the same.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, JsonResponse
from django.utils.html import escape

RATE_LIMIT_MESSAGE = "Rate Limit Reached - 300 Requests per rolling 5 minute window"


def ok(data: Any, status: int = 200) -> JsonResponse:
    # Halo returns bare arrays (GET TicketType), so lists must be allowed.
    return JsonResponse(data, status=status, safe=False)


def record(data: dict[str, Any], include_details: bool) -> dict[str, Any]:
    """A record as Halo answers it: empty fields left out unless details were asked for.

    Clients report fields "missing when empty or unless includedetails=true"; which
    fields Halo adds for includedetails on each resource is unconfirmed, so the
    sandbox models the harsher half: every empty value goes.
    """
    if include_details:
        return data
    return {k: v for k, v in data.items() if not _empty(v)}


def _empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, list) and not value)


def halo_error(status: int, message: str, class_name: str = "HaloException") -> JsonResponse:
    return JsonResponse({"ClassName": class_name, "Message": message}, status=status)


def not_found(message: str) -> JsonResponse:
    return halo_error(404, message, "HaloNotFoundException")


def not_found_page(path: str) -> HttpResponse:
    # An unknown route never reaches Halo's API code: the web server answers in HTML.
    return HttpResponse(
        "<!DOCTYPE html><html><head><title>404 - File or directory not found.</title>"
        "</head><body><h1>Server Error</h1><h2>404 - File or directory not found.</h2>"
        f"<p>The resource you are looking for ({escape(path)}) might have been removed, "
        "had its name changed, or is temporarily unavailable.</p></body></html>",
        status=404,
        content_type="text/html; charset=utf-8",
    )


def forbidden(permission: str) -> HttpResponse:
    # Halo's 403s carry no JSON; the sandbox adds one plain line for whoever reads it.
    return HttpResponse(
        f"You do not have permission to do this: the application and its agent need "
        f"'{permission}'.",
        status=403,
        content_type="text/plain; charset=utf-8",
    )


def forbidden_empty() -> HttpResponse:
    return HttpResponse(b"", status=403)


def field_errors(errors: dict[str, str]) -> JsonResponse:
    return JsonResponse(errors, status=400)


def method_not_allowed(method: str) -> JsonResponse:
    return JsonResponse(
        {"Message": f"The requested resource does not support http method '{method}'."},
        status=405,
    )


def invalid_token() -> JsonResponse:
    response = JsonResponse(
        {
            "error": "invalid_token",
            "error_description": "The access token is missing, unknown or expired.",
        },
        status=401,
    )
    response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


def oauth_error(status: int, error: str, description: str) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def rate_limited() -> JsonResponse:
    # Halo's answer past its limit: no Retry-After header has been reported.
    return JsonResponse({"Message": RATE_LIMIT_MESSAGE}, status=429)


def error_page(status: int) -> HttpResponse:
    # An unhandled error in Halo comes back as the web server's HTML error page.
    return HttpResponse(
        "<!DOCTYPE html><html><head><title>Runtime Error</title></head><body>"
        f"<h1>Server Error</h1><h2>HTTP {status} - An error occurred while processing "
        "your request.</h2></body></html>",
        status=status,
        content_type="text/html; charset=utf-8",
    )


def server_error_page() -> HttpResponse:
    # What a Halo auth server has been seen to answer for a wrong tenant: a 500
    # that is not JSON, so clients must not assume every reply parses.
    return HttpResponse(
        "An unhandled exception occurred while processing the request.",
        status=500,
        content_type="text/plain",
    )


def injected(status: int, scope: str) -> HttpResponse:
    """The body of a status code injected by a fault, shaped like Halo's own."""
    if status == 429:
        return rate_limited()
    if scope == "token":
        if status == 401:
            return oauth_error(401, "invalid_client", "Injected fault: invalid client.")
        return oauth_error(status, "server_error", f"Injected fault: HTTP {status}.")
    if status == 401:
        return invalid_token()
    if status == 403:
        return forbidden_empty()
    if status >= 500:
        return error_page(status)
    return halo_error(status, f"Injected fault: HTTP {status}.", "System.Exception")


def malform(response: HttpResponse) -> HttpResponse:
    """Cut a reply off half-way: still labelled JSON, no longer parseable."""
    body = response.content
    response.content = body[: len(body) // 2] if len(body) > 1 else b"{"
    return response
