from __future__ import annotations

from django.urls import path

from mspprocess import twofactor

urlpatterns = [
    path("accounts/2fa/", twofactor.two_factor, name="staff_2fa"),
]
