from __future__ import annotations

from django.urls import path

from tickettab import workspace_views

urlpatterns = [
    path(
        "t/<slug:slug>/settings/",
        workspace_views.verification_settings,
        name="verification_settings",
    ),
    path("t/<slug:slug>/verifications/", workspace_views.verifications, name="verifications"),
]
