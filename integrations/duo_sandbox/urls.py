from __future__ import annotations

app_name = "duo_sandbox"

urlpatterns: list = []
