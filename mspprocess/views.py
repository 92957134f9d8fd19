from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from mspprocess.access import tenant_view
from mspprocess.models import Membership, Tenant
from tickettab import heartbeat

logger = logging.getLogger(__name__)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where sign-in lands: the one workspace, a choice of several, or none."""
    memberships = list(
        Membership.objects.filter(user=request.user)
        .select_related("tenant")
        .order_by("tenant__name")
    )
    if len(memberships) == 1:
        return redirect(memberships[0].tenant)
    return render(request, "mspprocess/pick_tenant.html", {"memberships": memberships})


@tenant_view()
def tenant_home(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    return render(
        request,
        "mspprocess/tenant_home.html",
        {
            "tenant": tenant,
            "membership": request.membership,  # type: ignore[attr-defined]
            "active": "home",
        },
    )


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
