"""Mounted at /sandbox/halo/ only when settings.HALO_SANDBOX is on (mspprocess/urls.py).

/sandbox/halo/auth is the authorisation server, /sandbox/halo/api the resource
server: the same layout as a self-hosted Halo, so "Resource Server" for a tenant
connected to the sandbox is <our origin>/sandbox/halo. /sandbox/halo/hosted-auth
stands for a Halo-hosted instance's authorisation server on another origin (it needs
?tenant=; see views_auth.py). The rest are Halo-like pages
for people and browser tests: tickets (with each custom tab), Configuration > Custom
Tabs, Configuration > Integrations > Halo API (config/api/), and the devices where
the fictional end users receive their codes.
"""

from __future__ import annotations

from django.urls import path, re_path

from integrations.sandbox import (
    routes,
    views_api,
    views_api_tabs,
    views_auth,
    views_config,
    views_devices,
    views_pages,
    views_tabs,
)

# Halo's routes are case-insensitive and take a trailing slash (routes.py).
API_ROUTES = [
    ("authinfo", views_auth.authinfo, "authinfo"),
    ("Agent/me", views_api.agent_me, "agent_me"),
    ("Agent/{id}", views_api.agent, "agent"),
    ("Tickets", views_api.tickets, "tickets"),
    ("Tickets/{id}", views_api.ticket, "ticket"),
    ("Users", views_api.users, "users"),
    ("Users/{id}", views_api.user, "user"),
    ("TicketType", views_api.ticket_types, "ticket_types"),
    ("TicketType/{id}", views_api.ticket_type, "ticket_type"),
    ("Actions", views_api.actions, "actions"),
    ("Actions/{id}", views_api.action, "action"),
    ("Tabs", views_api_tabs.tabs, "tabs"),
    ("Tabs/{id}", views_api_tabs.tab, "tab"),
]

app_name = "sandbox"

urlpatterns = [
    path("", views_pages.home, name="home"),
    path("tickets/", views_pages.ticket_list, name="ticket_list"),
    path("tickets/<int:id>/", views_pages.ticket_page, name="ticket_page"),
    path("config/customtabs/", views_tabs.custom_tabs, name="custom_tabs"),
    path("config/customtabs/<int:id>/", views_tabs.custom_tab_edit, name="custom_tab_edit"),
    path(
        "config/customtabs/<int:id>/delete/",
        views_tabs.custom_tab_delete,
        name="custom_tab_delete",
    ),
    path("config/customtabs/loading/", views_tabs.tab_loading, name="custom_tab_loading"),
    path("config/tickettypes/", views_tabs.ticket_types, name="ticket_types"),
    path("config/api/", views_config.api_applications, name="api_applications"),
    path("config/api/<int:id>/", views_config.api_application_edit, name="api_application_edit"),
    path(
        "config/api/<int:id>/rotate/",
        views_config.api_application_rotate,
        name="api_application_rotate",
    ),
    path(
        "config/api/<int:id>/delete/",
        views_config.api_application_delete,
        name="api_application_delete",
    ),
    path("devices/", views_devices.devices, name="devices"),
    path("auth/token", views_auth.token, name="token"),
    # The authorisation server of a Halo-hosted instance, on "another origin" (views_auth).
    path("hosted-auth/token", views_auth.hosted_token, name="hosted_token"),
    *[routes.api_route(route, view, name) for route, view, name in API_ROUTES],
    re_path(r"^[Aa][Pp][Ii]/(?P<rest>.*)\Z", views_api.unknown, name="api_unknown"),
]
