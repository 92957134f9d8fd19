from __future__ import annotations

from django.urls import path, re_path

from tickettab import framing
from tickettab.views import dashboard, link, setup, tab, workspace

urlpatterns = [
    path("tab/<str:tab_key>/", tab.entry, name="tab"),
    path("tab/<str:tab_key>/signin/", tab.signin, name="tab_signin"),
    path("tab/<str:tab_key>/ticket/", tab.ticket, name="tab_ticket"),
    path("tab/<str:tab_key>/send/", tab.send, name="tab_send"),
    path("tab/<str:tab_key>/push/", tab.send_push, name="tab_push"),
    path("tab/<str:tab_key>/word/", tab.send_word, name="tab_word"),
    path("tab/<str:tab_key>/verify/", tab.verify, name="tab_verify"),
    path("tab/<str:tab_key>/override/", tab.override, name="tab_override"),
    path("tab/<str:tab_key>/status/<int:verification_id>/", tab.status, name="tab_status"),
    # Last: any other address under /tab/ gets the tab's own 404, framed for the
    # tenant's Halo (Django's would say X-Frame-Options: DENY, a broken frame).
    re_path(r"^tab/(?P<tab_key>[^/]+)/(?P<rest>.+)$", framing.unknown_path_view),
    path("tab/", framing.no_key),
    path("v/<str:token>/", link.secure_link, name="secure_link"),
]

# Under /t/<slug>/ (mspprocess/urls.py).
workspace_urls = [
    path("setup/", setup.setup, name="setup"),
    path("setup/progress/", setup.setup_progress, name="setup_progress"),
    path("setup/install/", setup.setup_install, name="setup_install"),
    path("setup/remove/", setup.setup_remove, name="setup_remove"),
    path("settings/", workspace.verification_settings, name="verification_settings"),
    path("verifications/", workspace.verifications, name="verifications"),
    path(
        "verifications/dashboard/", dashboard.verification_dashboard, name="verification_dashboard"
    ),
    # Buttons of the integration page's tab section.
    path(
        "integration/rotate/tab-key/",
        workspace.tab_rotate,
        {"what": "tab-key"},
        name="integration_rotate_key",
    ),
    path(
        "integration/rotate/tab-secret/",
        workspace.tab_rotate,
        {"what": "tab-secret"},
        name="integration_rotate_secret",
    ),
]
