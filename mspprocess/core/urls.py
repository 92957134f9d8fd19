from __future__ import annotations

from django.urls import include, path

from mspprocess.core import twofactor, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/2fa/", twofactor.two_factor, name="staff_2fa"),
    path("signup/", views.signup, name="signup"),
    path("signup/confirm/<str:token>/", views.signup_confirm, name="signup_confirm"),
]

# Under /t/<slug>/ (mspprocess/urls.py).
workspace_urls = [
    path("", views.tenant_home, name="tenant_home"),
    path("members/", views.members, name="members"),
    path("members/invite/", views.member_invite, name="member_invite"),
    path("members/<int:pk>/role/", views.member_role, name="member_role"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("members/<int:pk>/resend/", views.member_resend, name="member_resend"),
    path("audit/", views.audit, name="audit"),
]
