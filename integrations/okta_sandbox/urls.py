"""Mounted at /sandbox/okta/ only when settings.HALO_SANDBOX is on (mspprocess/urls.py).

/sandbox/okta/api/v1/ is the org's Management API (so an Okta connection to the
sandbox uses the org URL <our origin>/sandbox/okta); /sandbox/okta/devices/ is
where the fictional people answer their Okta Verify pushes.
"""

from __future__ import annotations

from django.urls import path, re_path

from integrations.okta_sandbox import api, devices

app_name = "okta_sandbox"

# Okta's ids and logins never hold "/": the default converter stops at one.
urlpatterns = [
    path("api/v1/users", api.users, name="users"),
    path("api/v1/users/<str:key>", api.user, name="user"),
    path("api/v1/users/<str:user_id>/factors", api.factors, name="factors"),
    path("api/v1/users/<str:user_id>/factors/<str:factor_id>", api.factor, name="factor"),
    path(
        "api/v1/users/<str:user_id>/factors/<str:factor_id>/verify",
        api.verify,
        name="verify",
    ),
    path(
        "api/v1/users/<str:user_id>/factors/<str:factor_id>/transactions/<str:transaction_id>",
        api.transaction,
        name="transaction",
    ),
    # Everything else under the API is Okta's JSON 404, never an HTML page.
    re_path(r"^api/(?P<rest>.*)$", api.unknown, name="unknown"),
    path("devices/", devices.devices, name="devices"),
    path("devices/pushes/<str:transaction_id>/", devices.answer, name="answer"),
]
