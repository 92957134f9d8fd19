from __future__ import annotations

from django.urls import path

from identity import views

# Under /t/<slug>/ (mspprocess/urls.py).
workspace_urls = [
    path("identity/", views.providers, name="identity_providers"),
    path("identity/new/<str:kind>/", views.provider_add, name="identity_provider_add"),
    path("identity/<int:pk>/", views.provider_edit, name="identity_provider"),
    path("identity/<int:pk>/test/", views.provider_test, name="identity_provider_test"),
    path("identity/<int:pk>/remove/", views.provider_remove, name="identity_provider_remove"),
    path("identity/<int:pk>/clients/", views.provider_clients, name="identity_provider_clients"),
]
