"""The root URLs: each app's own addresses, and its workspace pages included once
under /t/<slug>/ (each app's `workspace_urls`, as healthchecks includes check_urls)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from alerts import urls as alert_urls
from identity import urls as identity_urls
from integrations import urls as integration_urls
from mspprocess import views
from mspprocess.core import urls as core_urls
from tickettab import urls as tab_urls

workspace_urls = [
    *core_urls.workspace_urls,
    *integration_urls.workspace_urls,
    *identity_urls.workspace_urls,
    *tab_urls.workspace_urls,
    *alert_urls.workspace_urls,
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", include("mspprocess.core.urls")),
    path("t/<slug:slug>/", include(workspace_urls)),
    path("", include("tickettab.urls")),
    path("admin/", admin.site.urls),
]

if settings.HALO_SANDBOX:
    # A local stand-in for a Halo instance: development, tests and benchmarks only.
    urlpatterns.append(path("sandbox/halo/", include("integrations.sandbox.urls")))
    # Stand-ins for the identity providers whose push the tab sends (issue 15).
    urlpatterns.append(path("sandbox/duo/", include("integrations.duo_sandbox.urls")))
    urlpatterns.append(path("sandbox/okta/", include("integrations.okta_sandbox.urls")))
