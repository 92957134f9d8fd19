"""Fixtures for the provider adapters' tests (test_duo.py, test_okta.py).

The adapters are tested against the real sandboxes over HTTP (pytest-django's live
server, both sandboxes mounted and seeded), plus stand-ins for what a sandbox cannot
do: a closed port (a provider that is down), a server that accepts and never answers
(a slow one), a TLS server whose certificate no provider's CA signed, and a server
answering canned replies (Duo's 429 or an HTML 500). Every fixture is named idp_* so
that other tests in this folder keep their own.
"""

from __future__ import annotations

import http.server
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from identity.adapters import PushMessage
from identity.models import IdentityProvider
from integrations.duo_sandbox import services as duo_sandbox
from integrations.duo_sandbox.seed import DEMO_IKEY, DEMO_SKEY
from integrations.okta_sandbox import services as okta_sandbox
from integrations.okta_sandbox.seed import SEED_TOKEN
from tests.factories import TenantFactory

ProviderMaker = Callable[..., IdentityProvider]
# The name the test certificate is for; nothing resolves it but a test's stand-in.
TLS_NAME = "api-tls.duo.test"


@pytest.fixture
def idp_live(live_server, settings, sandbox_mounted: None) -> str:
    """The live server's origin, both sandboxes seeded, private addresses allowed."""
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = True
    duo_sandbox.ensure_seeded()
    okta_sandbox.ensure_seeded()
    return live_server.url


@pytest.fixture
def idp_make() -> ProviderMaker:
    """Build (and save, unless save=False) a provider of a new workspace."""

    def make(kind: str, *, save: bool = True, **fields: Any) -> IdentityProvider:
        defaults: dict[str, Any] = {"name": f"{kind} of the client"}
        provider = IdentityProvider(kind=kind, **(defaults | fields))
        if save:
            provider.tenant = TenantFactory()
            provider.save()
        return provider

    return make


@pytest.fixture
def idp_duo(idp_live: str, idp_make: ProviderMaker) -> IdentityProvider:
    """The Duo sandbox's seeded Auth API application (Kestrel Logistics)."""
    return idp_make(
        IdentityProvider.Kind.DUO,
        duo_integration_key=DEMO_IKEY,
        duo_secret_key=DEMO_SKEY,
        duo_api_host=f"{idp_live}/sandbox/duo",
    )


@pytest.fixture
def idp_okta(idp_live: str, idp_make: ProviderMaker) -> IdentityProvider:
    """The Okta sandbox's seeded org and API token (Oakfield Solicitors)."""
    return idp_make(
        IdentityProvider.Kind.OKTA,
        okta_org_url=f"{idp_live}/sandbox/okta",
        okta_api_token=SEED_TOKEN,
    )


@pytest.fixture
def idp_message() -> PushMessage:
    return PushMessage(msp_name="Acme IT", ticket_id=1001, technician="Sam Lee")


@pytest.fixture
def idp_closed_port() -> int:
    """A local port nobody listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def idp_silent_port() -> Iterator[int]:
    """A local port that accepts connections and never answers (a hung provider)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            held.append(conn)  # kept open, unread, until the test ends

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    for conn in held:
        conn.close()
    server.close()


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, TLS_NAME)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(TLS_NAME), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def idp_tls_port(tmp_path: Path) -> Iterator[int]:
    """A local TLS server with a self-signed certificate for 127.0.0.1 (valid, but
    signed by no CA a provider's client trusts)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*_self_signed(tmp_path))
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.settimeout(2)
            try:
                context.wrap_socket(conn, server_side=True).close()
            except OSError:  # the client refuses the certificate: what the tests expect
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    server.close()


@dataclass
class CannedServer:
    """A local HTTP(S) server answering each request with the next canned reply."""

    url: str
    replies: list[tuple[int, str, dict[str, str]]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)  # the Host header of each request

    def reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        text = body if isinstance(body, str) else json.dumps(body)
        kind = "text/html" if isinstance(body, str) else "application/json"
        self.replies.append((status, text, {"Content-Type": kind} | (headers or {})))


def _serve_canned(tls: ssl.SSLContext | None) -> Iterator[CannedServer]:
    canned = CannedServer(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            canned.paths.append(self.path)
            canned.hosts.append(self.headers.get("Host", ""))
            status, body, headers = canned.replies.pop(0) if canned.replies else (404, "", {})
            data = body.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

        def log_message(self, *args: Any) -> None:  # quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls is not None else "http"
    canned.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield canned
    server.shutdown()
    server.server_close()


@pytest.fixture
def idp_canned() -> Iterator[CannedServer]:
    yield from _serve_canned(None)


@pytest.fixture
def idp_canned_tls(tmp_path: Path) -> Iterator[tuple[CannedServer, Path, str]]:
    """The canned server over TLS, its certificate (for a test to trust) and the host
    name the certificate is for (also valid for 127.0.0.1)."""
    cert, key = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    for canned in _serve_canned(context):
        yield canned, cert, TLS_NAME
