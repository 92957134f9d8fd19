"""Reply bodies in Duo's envelope.

Success: `{"stat": "OK", "response": …}`. Failure: `{"stat": "FAIL", "code": …,
"message": …, "message_detail": …}`, where the code's first three digits are the
HTTP status (40002 → 400). Messages below are Duo's where they are known (Duo's docs
and what clients report); the others are marked.
"""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse

MISSING_CREDENTIALS = (40101, "Missing request credentials")
INVALID_IKEY = (40102, "Invalid integration key in request credentials")
INVALID_SIGNATURE = (40103, "Invalid signature in request credentials")
MISSING_PARAMS = (40001, "Missing required request parameters")
INVALID_PARAMS = (40002, "Invalid request parameters")
# Unconfirmed: the code and wording Duo uses for an unknown route and a wrong method.
NOT_FOUND = (40401, "Resource not found")
METHOD_NOT_ALLOWED = (40501, "Method not allowed")


def ok(response: Any) -> JsonResponse:
    return JsonResponse({"stat": "OK", "response": response})


def fail(error: tuple[int, str], detail: str | None = None) -> JsonResponse:
    code, message = error
    body: dict[str, Any] = {"stat": "FAIL", "code": code, "message": message}
    if detail is not None:
        body["message_detail"] = detail
    return JsonResponse(body, status=code // 100)
