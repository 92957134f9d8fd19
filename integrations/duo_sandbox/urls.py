from __future__ import annotations

from django.urls import path

from integrations.duo_sandbox import api, pages

app_name = "duo_sandbox"

# Duo's Auth API as a Duo API host serves it at its root (mounted at /sandbox/duo/),
# then the sandbox's own page. Routes are exact, as Duo's are (no trailing slash).
urlpatterns = [
    path("auth/v2/ping", api.ping, name="ping"),
    path("auth/v2/check", api.check, name="check"),
    path("auth/v2/preauth", api.preauth, name="preauth"),
    path("auth/v2/auth", api.auth, name="auth"),
    path("auth/v2/auth_status", api.auth_status, name="auth_status"),
    path("auth/<path:rest>", api.not_found),
    path("devices/", pages.devices, name="devices"),
    path("devices/<str:txid>/answer", pages.answer, name="answer"),
]
