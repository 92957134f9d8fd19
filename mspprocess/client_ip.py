"""The client's address: one definition for the audit trail, the sign-in throttles and the tab.

A bottom-layer module (settings and the standard library only), so anything may
import it without an import cycle. Two definitions disagreed once: the audit trail
recorded the load balancer's address in production while the throttles counted
the client's.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _ip(value: str) -> str | None:
    """The address in its canonical spelling, or None when it is not an IP address."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def _forwarded_hops(request: HttpRequest) -> list[str]:
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    return [e.strip() for e in entries if e.strip()]


def client_ip(request: HttpRequest | None) -> str | None:
    """The address of whoever sent the request, or None when there is no IP to name.

    Behind our proxy REMOTE_ADDR is the proxy itself, so every client would look the
    same; the client is the entry our proxies appended to X-Forwarded-For,
    TRUSTED_PROXY_COUNT from the right. Entries further left came from the client
    and can be forged, and without a proxy the whole header can: it is read only
    when SECURE_PROXY_SSL_HEADER says a proxy is there. REMOTE_ADDR that is not an
    IP (gunicorn on a unix socket) names nobody.
    """
    if request is None:
        return None
    remote = _ip(request.META.get("REMOTE_ADDR") or "")
    if not getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return remote
    hops = _forwarded_hops(request)
    count = max(1, int(getattr(settings, "TRUSTED_PROXY_COUNT", 1)))
    if len(hops) < count:
        return remote  # not through all our proxies: no trustworthy entry
    return _ip(hops[-count]) or remote
