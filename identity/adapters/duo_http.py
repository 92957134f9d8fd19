"""duo_client's Auth API client behind our outbound guard.

duo_client speaks through `http.client` itself, not `requests`, so netsafe's
SafeAdapter cannot be mounted on it. `GuardedAuth` applies the same rules here:

- the address is Duo's API hostname over https (or, where private addresses are
  allowed, a full URL such as our sandbox's `http://127.0.0.1:8000/sandbox/duo`),
  checked by `identity.addresses` before anything is sent;
- each request resolves the host once with netsafe (`checked_address`, refusing
  non-global addresses unless allowed) and connects to that address, while TLS
  verification and SNI stay on the host name, so a second DNS answer is never used;
- TLS is verified against Duo's own CA bundle (duo_client's default, "CA pinning");
- a short timeout (somebody waits), no sleeping on 429 (duo_client would back off
  for up to a minute), no redirects (http.client follows none), and a capped reply.

duo_client signs the path *without* a prefix (`/auth/v2/check`) and we send it under
the prefix (`/sandbox/duo/auth/v2/check`): the sandbox checks signatures against the
path below its mount, as a Duo API host serves /auth/v2/ at its root.
"""

from __future__ import annotations

import functools
import http.client
import socket
import ssl
import time
from typing import Any

import duo_client
from duo_client.client import DEFAULT_CA_CERTS

import mspprocess
from identity.addresses import DuoAddress
from integrations import netsafe

USER_AGENT = f"MSPProcess/{mspprocess.__version__}"
MAX_REPLY_BYTES = 256 * 1024  # Duo's Auth API replies are a few kilobytes
TOTAL_READ_SECONDS = 15.0  # a reply trickling in must still end
_CHUNK = 64 * 1024


class ConnectFailed(Exception):
    """The TCP connection or the TLS handshake failed: nothing reached Duo."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(type(cause).__name__)
        self.cause = cause


class ReplyTooLarge(Exception):
    pass


@functools.cache
def _duo_tls() -> ssl.SSLContext:
    # Duo's bundled CAs, as duo_client verifies by default; the host name is checked.
    return ssl.create_default_context(cafile=DEFAULT_CA_CERTS)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP (the sandbox only) to an address checked beforehand."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        try:
            self.sock = socket.create_connection((self._address, self.port), self.timeout)
        except OSError as e:
            raise ConnectFailed(e) from e


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address checked beforehand; certificate and SNI for the host name."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=_duo_tls())
        self._address = address

    def connect(self) -> None:
        sock = None
        try:
            sock = socket.create_connection((self._address, self.port), self.timeout)
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        except OSError as e:  # refused, unreachable, timed out, or the TLS handshake
            if sock is not None:
                sock.close()
            raise ConnectFailed(e) from e


class GuardedAuth(duo_client.Auth):
    def __init__(
        self, ikey: str, skey: str, where: DuoAddress, *, allow_private: bool, timeout: float
    ) -> None:
        super().__init__(
            ikey,
            skey,
            where.host,
            ca_certs="HTTP" if where.scheme == "http" else DEFAULT_CA_CERTS,
            port=where.port,
            timeout=timeout,
            user_agent=USER_AGENT,
        )
        self.where = where
        self.allow_private = allow_private
        self._open: http.client.HTTPConnection | None = None
        # duo_client sleeps and retries a 429 for up to ~a minute; a person is
        # waiting, so a 429 comes straight back (the loop stops once the first wait,
        # 1 s, exceeds this).
        self._MAX_BACKOFF_WAIT_SECS = 0

    def _connect(self) -> http.client.HTTPConnection:
        # Resolved for every request, refused unless public (or private is allowed).
        address = netsafe.checked_address(
            self.where.host, self.where.port, allow_private=self.allow_private
        )
        pinned = _PinnedHTTPConnection if self.where.scheme == "http" else _PinnedHTTPSConnection
        self._open = pinned(self.where.host, self.where.port, address=address, timeout=self.timeout)
        return self._open

    def _make_request(self, method: str, uri: str, body: Any, headers: dict) -> Any:
        try:
            return super()._make_request(method, self.where.prefix + uri, body, headers)
        finally:
            # duo_client closes the connection only after a reply; a timeout or a
            # refused reply would leave it open.
            if self._open is not None:
                self._open.close()
                self._open = None

    def _attempt_single_request(
        self, conn: http.client.HTTPConnection, method: str, uri: str, body: Any, headers: dict
    ) -> tuple[http.client.HTTPResponse, bytes]:
        conn.request(method, uri, body, headers)
        response = conn.getresponse()
        return response, _read_capped(response)


def _read_capped(response: http.client.HTTPResponse) -> bytes:
    declared = response.getheader("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_REPLY_BYTES:
        raise ReplyTooLarge
    body = bytearray()
    deadline = time.monotonic() + TOTAL_READ_SECONDS
    while chunk := response.read1(_CHUNK):
        body += chunk
        if len(body) > MAX_REPLY_BYTES:
            raise ReplyTooLarge
        if time.monotonic() > deadline:
            raise TimeoutError("the reply trickled in for too long")
    return bytes(body)
