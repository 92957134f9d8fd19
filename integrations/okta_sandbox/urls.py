from __future__ import annotations

app_name = "okta_sandbox"

urlpatterns: list = []
