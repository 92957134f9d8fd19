from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from alerts.models import AlertSettings
from tests.factories import AlertSettingsFactory, TenantFactory


@dataclass
class Received:
    path: str
    body: dict
    status: int  # what the receiver answered


@dataclass
class LocalReceiver:
    """A chat webhook on 127.0.0.1, served by a real HTTP server in a thread.

    `answers` is what the next posts get, in order (an int is a status; "hang" waits
    `hang_seconds` before answering 200); once used up, every post gets 200. Every
    post is recorded, whatever it was answered.
    """

    url: str
    answers: list[int | str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    hang_seconds: float = 2.0

    def delivered(self) -> list[Received]:
        """The posts the receiver took (answered 2xx)."""
        return [r for r in self.received if 200 <= r.status < 300]


@pytest.fixture
def receiver(settings) -> Iterator[LocalReceiver]:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = True  # the guard lets 127.0.0.1 through
    lock = threading.Lock()
    state = LocalReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            with lock:
                answer = state.answers.pop(0) if state.answers else 200
            if answer == "hang":
                time.sleep(state.hang_seconds)
                answer = 200
            status = int(answer)
            with lock:
                state.received.append(Received(self.path, json.loads(raw or b"{}"), status))
            body = b"ok" if status < 300 else b"error"
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up waiting (the hang)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/services/T000/B000/secret-path-0001"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def tenant():
    return TenantFactory(name="Acme IT", slug="acme")


@pytest.fixture
def prefs(tenant) -> AlertSettings:
    """Two security contacts, no webhook."""
    return AlertSettingsFactory(
        tenant=tenant, security_contacts=["sec@acme-it.example", "soc@acme-it.example"]
    )


@pytest.fixture
def slack(prefs, receiver) -> AlertSettings:
    """The contacts and a Slack webhook at the local receiver."""
    prefs.webhook_kind = AlertSettings.WebhookKind.SLACK
    prefs.webhook_url = receiver.url
    prefs.save()
    return prefs
