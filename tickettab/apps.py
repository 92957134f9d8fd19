from __future__ import annotations

from django.apps import AppConfig


class TickettabConfig(AppConfig):
    name = "tickettab"
    verbose_name = "Ticket tab"
