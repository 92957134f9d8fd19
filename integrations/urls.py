from __future__ import annotations

from django.urls import path

from integrations import views

urlpatterns = [
    path("t/<slug:slug>/integration/", views.integration, name="integration"),
    path("t/<slug:slug>/integration/test/", views.integration_test, name="integration_test"),
    path("t/<slug:slug>/integration/share/", views.integration_share, name="integration_share"),
    path(
        "t/<slug:slug>/integration/rotate/tab-key/",
        views.integration_rotate,
        {"what": "tab-key"},
        name="integration_rotate_key",
    ),
    path(
        "t/<slug:slug>/integration/rotate/tab-secret/",
        views.integration_rotate,
        {"what": "tab-secret"},
        name="integration_rotate_secret",
    ),
]
