"""Reply bodies in Okta's shapes.

Every Okta API error is one JSON object: `errorCode` (E0000xxx), `errorSummary`,
`errorLink` (the code again), `errorId` (unique per error, for Okta Support) and
`errorCauses` (a list of `{"errorSummary"}`), as Okta's error-codes reference and
its Management API's `Error` schema describe. The codes used here, with Okta's own
status and summary:

| code     | status | summary |
| -------- | ------ | ------- |
| E0000001 | 400    | Api validation failed: {0} |
| E0000003 | 400    | The request body was not well-formed. |
| E0000007 | 404    | Not found: {0} |
| E0000011 | 401    | Invalid token provided |
| E0000022 | 405    | The endpoint does not support the provided HTTP method |
| E0000031 | 400    | Invalid search criteria. |
| E0000047 | 429    | API call exceeded rate limit due to too many requests. |
| E0000069 | 403    | User Locked |
"""

from __future__ import annotations

import secrets
from typing import Any

from django.http import JsonResponse


def ok(data: Any, status: int = 200) -> JsonResponse:
    # Okta lists are bare JSON arrays (GET users, GET factors).
    return JsonResponse(data, status=status, safe=False)


def okta_error(
    status: int, code: str, summary: str, causes: list[str] | None = None
) -> JsonResponse:
    return JsonResponse(
        {
            "errorCode": code,
            "errorSummary": summary,
            "errorLink": code,
            # Okta's ids are opaque 25-character strings ("oae…", "sample…").
            "errorId": "oae" + secrets.token_urlsafe(16)[:22],
            "errorCauses": [{"errorSummary": cause} for cause in causes or []],
        },
        status=status,
    )


def validation_failed(what: str, causes: list[str] | None = None) -> JsonResponse:
    return okta_error(400, "E0000001", f"Api validation failed: {what}", causes)


def not_well_formed() -> JsonResponse:
    return okta_error(400, "E0000003", "The request body was not well-formed.")


def not_found(what: str) -> JsonResponse:
    # e.g. "Not found: Resource not found: jane@example.com (User)"
    return okta_error(404, "E0000007", f"Not found: Resource not found: {what}")


def invalid_token() -> JsonResponse:
    return okta_error(401, "E0000011", "Invalid token provided")


def method_not_allowed(allowed: list[str]) -> JsonResponse:
    response = okta_error(405, "E0000022", "The endpoint does not support the provided HTTP method")
    response["Allow"] = ", ".join(allowed)
    return response


def invalid_search() -> JsonResponse:
    return okta_error(400, "E0000031", "Invalid search criteria.")


def rate_limited() -> JsonResponse:
    return okta_error(429, "E0000047", "API call exceeded rate limit due to too many requests.")


def user_locked() -> JsonResponse:
    # What Okta answers when a locked-out user's factor is verified is unconfirmed:
    # E0000069 is the code Okta's SDKs raise for a locked-out user (HTTP 403).
    return okta_error(403, "E0000069", "User Locked")
