"""Reply bodies in the shapes Halo uses (see /work/shared/halo/README.md).

Halo's API errors come as `{"ClassName", "Message"}`; its 400s are keyed by field
(`{"[0].ticket_id": "…"}`); its auth server answers with OAuth's `{"error", …}`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, JsonResponse

RATE_LIMIT_MESSAGE = "Rate Limit Reached - 300 Requests per rolling 5 minute window"


def ok(data: Any, status: int = 200) -> JsonResponse:
    # Halo returns bare arrays (GET TicketType), so lists must be allowed.
    return JsonResponse(data, status=status, safe=False)


def halo_error(status: int, message: str, class_name: str = "HaloException") -> JsonResponse:
    return JsonResponse({"ClassName": class_name, "Message": message}, status=status)


def not_found(message: str) -> JsonResponse:
    return halo_error(404, message, "HaloNotFoundException")


def forbidden(permission: str) -> JsonResponse:
    return halo_error(
        403,
        f"You do not have permission to do this: the application needs '{permission}'.",
        "HaloPermissionException",
    )


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


def server_error_page() -> HttpResponse:
    # What a Halo auth server has been seen to answer for a wrong tenant: a 500
    # that is not JSON, so clients must not assume every reply parses.
    return HttpResponse(
        "An unhandled exception occurred while processing the request.",
        status=500,
        content_type="text/plain",
    )


def injected(status: int, scope: str) -> JsonResponse:
    """The body of a status code injected by a fault, shaped like Halo's own."""
    if status == 429:
        return JsonResponse({"Message": RATE_LIMIT_MESSAGE}, status=429)
    if scope == "token":
        if status == 401:
            return oauth_error(401, "invalid_client", "Injected fault: invalid client.")
        return oauth_error(status, "server_error", f"Injected fault: HTTP {status}.")
    if status == 401:
        return invalid_token()
    if status == 403:
        return forbidden("(injected fault)")
    return halo_error(status, f"Injected fault: HTTP {status}.", "System.Exception")


def malform(response: HttpResponse) -> HttpResponse:
    """Cut a reply off half-way: still labelled JSON, no longer parseable."""
    body = response.content
    response.content = body[: len(body) // 2] if len(body) > 1 else b"{"
    return response
