"""The Halo sandbox's WSGI entry for the bench: the project's app, seen as served over TLS.

Real Halo is https-only. The app calls the sandbox over plain http (allowed by
HALO_ALLOW_PRIVATE_ADDRESSES) and sends no X-Forwarded-Proto, so with DEBUG off
SECURE_SSL_REDIRECT would answer every Halo call with a redirect, which the
app's SSRF guard rightly refuses. Marking the sandbox's requests as https plays
the part of the TLS terminator in front of a real Halo.

It also counts the TCP connections the sandbox accepts (in Redis, for the
orchestrator): against a real Halo every new connection is a TLS handshake.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import redis

from mspprocess.wsgi import application as django_application

CONNECTIONS_KEY = "bench:sandbox:connections"
_seen: weakref.WeakSet = weakref.WeakSet()
_lock = threading.Lock()
_redis = redis.Redis.from_url(os.environ["CACHE_URL"])


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    environ["wsgi.url_scheme"] = "https"
    environ["HTTP_X_FORWARDED_PROTO"] = "https"
    sock = environ.get("gunicorn.socket")
    # gthread keeps the socket object for the life of a kept-alive connection, so
    # the first request seen on a socket is a new connection.
    if sock is not None:
        with _lock:
            new = sock not in _seen
            _seen.add(sock)
        if new:
            _redis.incr(CONNECTIONS_KEY)
    return django_application(environ, start_response)
