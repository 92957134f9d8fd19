from __future__ import annotations

from django.urls import path

from mspprocess import audit_views

urlpatterns = [
    path("t/<slug:slug>/audit/", audit_views.audit, name="audit"),
]
