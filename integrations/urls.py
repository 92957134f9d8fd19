from __future__ import annotations

from django.urls import path

from integrations import views

# Under /t/<slug>/ (mspprocess/urls.py).
workspace_urls = [
    path("integration/", views.integration, name="integration"),
    path("integration/test/", views.integration_test, name="integration_test"),
    path("integration/share/", views.integration_share, name="integration_share"),
]
