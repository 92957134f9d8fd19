"""`SandboxAuth`: duo_client's own Auth API client, pointed at the sandbox.

For tests and the demo only (the product's Duo client is its own). It signs exactly
as duo_client signs for a Duo API host, the path included (`/auth/v2/preauth`), and
only then adds the sandbox's mount (`/sandbox/duo`) to the address it sends to, so
the sandbox checks duo_client's real signatures. Plain HTTP to `host:port`.

    auth = SandboxAuth(ikey, skey, "127.0.0.1:8000")
    auth.preauth(username="alice.morgan@kestrel.example.com")
"""

from __future__ import annotations

from typing import Any

import duo_client

MOUNT = "/sandbox/duo"


class SandboxAuth(duo_client.Auth):
    def __init__(self, ikey: str, skey: str, host: str, *, mount: str = MOUNT, **kwargs: Any):
        # ca_certs="HTTP": duo_client's own switch for a plain HTTP connection.
        # "host:port" is split as duo_client wants it (it signs the bare host).
        name, sep, port = host.rpartition(":")
        if sep and port.isdigit():
            kwargs.setdefault("port", int(port))
            host = name
        super().__init__(ikey, skey, host, ca_certs="HTTP", **kwargs)
        self.mount = mount.rstrip("/")

    def _make_request(self, method: str, uri: str, body: Any, headers: dict) -> Any:
        return super()._make_request(method, self.mount + uri, body, headers)
