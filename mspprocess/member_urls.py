from __future__ import annotations

from django.urls import path

from mspprocess import members

urlpatterns = [
    path("t/<slug:slug>/members/", members.members, name="members"),
    path("t/<slug:slug>/members/invite/", members.member_invite, name="member_invite"),
    path("t/<slug:slug>/members/<int:pk>/role/", members.member_role, name="member_role"),
    path("t/<slug:slug>/members/<int:pk>/remove/", members.member_remove, name="member_remove"),
    path("t/<slug:slug>/members/<int:pk>/resend/", members.member_resend, name="member_resend"),
]
