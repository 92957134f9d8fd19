"""Mounted at /sandbox/halo/ only when settings.HALO_SANDBOX is on (mspprocess/urls.py).

/sandbox/halo/auth is the authorisation server, /sandbox/halo/api the resource
server: the same layout as a self-hosted Halo, so "Resource Server" for a tenant
connected to the sandbox is <our origin>/sandbox/halo. /sandbox/halo/hosted-auth
stands for a Halo-hosted instance's authorisation server on another origin (it needs
?tenant=; see views/auth.py). The rest are Halo-like pages
for people and browser tests: tickets (with each custom tab), Configuration > Custom
Tabs, Configuration > Integrations > Halo API (config/api/), and the devices where
the fictional end users receive their codes.
"""

from __future__ import annotations

from django.urls import path, re_path

from integrations.sandbox import routes
from integrations.sandbox.views import api, api_tabs, auth, config, devices, pages, tabs

# Halo's routes are case-insensitive and take a trailing slash (routes.py).
API_ROUTES = [
    ("authinfo", auth.authinfo, "authinfo"),
    ("Agent/me", api.agent_me, "agent_me"),
    ("Agent/{id}", api.agent, "agent"),
    ("Tickets", api.tickets, "tickets"),
    ("Tickets/{id}", api.ticket, "ticket"),
    ("Users", api.users, "users"),
    ("Users/{id}", api.user, "user"),
    ("Client", api.clients, "clients"),
    ("TicketType", api.ticket_types, "ticket_types"),
    ("TicketType/{id}", api.ticket_type, "ticket_type"),
    ("Actions", api.actions, "actions"),
    ("Actions/{id}", api.action, "action"),
    ("Tabs", api_tabs.tabs, "tabs"),
    ("Tabs/{id}", api_tabs.tab, "tab"),
]

app_name = "sandbox"

urlpatterns = [
    path("", pages.home, name="home"),
    path("tickets/", pages.ticket_list, name="ticket_list"),
    path("tickets/<int:id>/", pages.ticket_page, name="ticket_page"),
    path("config/customtabs/", tabs.custom_tabs, name="custom_tabs"),
    path("config/customtabs/<int:id>/", tabs.custom_tab_edit, name="custom_tab_edit"),
    path(
        "config/customtabs/<int:id>/delete/",
        tabs.custom_tab_delete,
        name="custom_tab_delete",
    ),
    path("config/customtabs/loading/", tabs.tab_loading, name="custom_tab_loading"),
    path("config/tickettypes/", tabs.ticket_types, name="ticket_types"),
    path("config/api/", config.api_applications, name="api_applications"),
    path("config/api/<int:id>/", config.api_application_edit, name="api_application_edit"),
    path(
        "config/api/<int:id>/rotate/",
        config.api_application_rotate,
        name="api_application_rotate",
    ),
    path(
        "config/api/<int:id>/delete/",
        config.api_application_delete,
        name="api_application_delete",
    ),
    path("devices/", devices.devices, name="devices"),
    path("auth/token", auth.token, name="token"),
    # The authorisation server of a Halo-hosted instance, on "another origin" (views/auth.py).
    path("hosted-auth/token", auth.hosted_token, name="hosted_token"),
    *[routes.api_route(route, view, name) for route, view, name in API_ROUTES],
    re_path(r"^[Aa][Pp][Ii]/(?P<rest>.*)\Z", api.unknown, name="api_unknown"),
]
