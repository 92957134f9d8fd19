from __future__ import annotations

from django.urls import path

from alerts import views

# Under /t/<slug>/ (mspprocess/urls.py).
workspace_urls = [
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.acknowledge, name="alert_acknowledge"),
    path("alerts/settings/", views.alert_settings, name="alert_settings"),
    path("alerts/settings/test/", views.test_alert, name="alert_test"),
]
