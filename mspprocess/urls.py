from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from mspprocess import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("t/<slug:slug>/", views.tenant_home, name="tenant_home"),
    path("", include("integrations.urls")),
    path("", include("tickettab.urls")),
    path("", include("tickettab.workspace_urls")),
    path("", include("mspprocess.member_urls")),
    path("", include("mspprocess.audit_urls")),
    path("", include("mspprocess.staff_urls")),
    path("admin/", admin.site.urls),
]

if settings.HALO_SANDBOX:
    # A local stand-in for a Halo instance: development, tests and benchmarks only.
    urlpatterns.append(path("sandbox/halo/", include("integrations.sandbox.urls")))
