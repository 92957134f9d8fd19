from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from tickettab import heartbeat

logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the cache answer; 503 naming what failed. Either
    way, when the outbox worker last ran and whether that is late."""
    failed = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("healthz: database check failed")
        failed.append("database")
    try:
        cache.set("healthz", "ok", 10)
        if cache.get("healthz") != "ok":
            raise RuntimeError("cache did not return what was stored")
    except Exception:
        logger.exception("healthz: cache check failed")
        failed.append("cache")
    # Reported, never a 503: a stopped worker delays notes but the app still serves
    # (the load balancer must not pull healthy web servers for it); monitor "late".
    worker = heartbeat.report(
        heartbeat.latest(use_cache="cache" not in failed, use_database="database" not in failed)
    )
    if failed:
        return JsonResponse(
            {"status": "error", "failed": failed, "outbox_worker": worker}, status=503
        )
    return JsonResponse({"status": "ok", "outbox_worker": worker})
