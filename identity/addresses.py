"""Turning what an admin pastes into a Duo API hostname or an Okta org URL we will call.

Both are checked twice: here, when the form is saved (words for the admin), and again
by the adapters before every call, since what is allowed depends on the settings of
the moment. Whether a name resolves to a private address is not decided here but at
request time by `integrations.netsafe`: DNS answers change after the form is saved.

Production (`netsafe.allow_private()` off):
- Duo: only Duo's own API hostnames, `api-XXXXXXXX.duosecurity.com` (and Duo
  Federal's `api-XXXXXXXX.duofederal.com`), over https; stored as the bare hostname,
  as Duo's Admin Panel shows it.
- Okta: any public https host (Okta orgs may use a custom domain), no port, no path:
  the Management API lives at the org's root. The Admin Console's `-admin` host is
  turned into the org's own.

Where private addresses are allowed (the demo, the tests), a full URL with http, an
IP address, a port and a path also works, so the product can call our sandboxes
(`http://127.0.0.1:8000/sandbox/duo`, `http://127.0.0.1:8000/sandbox/okta`).
"""

from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple
from urllib.parse import urlsplit

from integrations import addresses as halo_addresses
from integrations import netsafe
from mspprocess.errors import ReadableError

DUO_EXAMPLE = "api-XXXXXXXX.duosecurity.com"
OKTA_EXAMPLE = "https://yourcompany.okta.com"
_DUO_WHERE = (
    "Copy the API hostname of your Auth API application in Duo's Admin Panel "
    f"(Applications → Auth API); it looks like {DUO_EXAMPLE}."
)
_OKTA_WHERE = (
    "Use the address of your Okta org, as it shows under your name in Okta's Admin "
    f"Console, for example {OKTA_EXAMPLE}."
)
# Duo's API hostnames: commercial (duosecurity.com) and Duo Federal (duofederal.com).
_DUO_HOST = re.compile(r"^api-[a-z0-9]{1,32}\.(?:duosecurity|duofederal)\.com$")
# Okta's own domains, where the Admin Console is "<org>-admin.<domain>".
_OKTA_DOMAINS = ("okta.com", "oktapreview.com", "okta-emea.com", "okta-gov.com", "okta.mil")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# A scheme without "//" ("javascript:alert(1)", "mailto:x"); "host:8443" is a port.
_BARE_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:(?!\d+(?:[/?#]|$))", re.IGNORECASE)


class AddressError(ReadableError, ValueError):
    """The pasted address cannot be used; the message says what to paste instead."""


class DuoAddress(NamedTuple):
    scheme: str  # "https", or "http" where private addresses are allowed
    host: str  # lower-case ASCII name or IP, without brackets: what duo_client signs
    port: int
    prefix: str  # "" for Duo itself; "/sandbox/duo" for our sandbox


class _Parts(NamedTuple):
    scheme: str
    host: str  # as it goes into a URL (IPv6 in brackets)
    port: int | None  # None for the scheme's default
    segments: list[str]


def normalize_duo_host(text: str, *, allow_private: bool | None = None) -> str:
    """The Duo API hostname to store for what was pasted, or AddressError."""
    private_ok = netsafe.allow_private() if allow_private is None else allow_private
    parts = _parse(text, what="API hostname", where=_DUO_WHERE, allow_private=private_ok)
    if _DUO_HOST.match(parts.host) and parts.scheme == "https" and parts.port is None:
        return parts.host  # any path pasted with it is a page of Duo's, not the API
    if private_ok:
        # A pasted API address keeps only what comes before /auth (the sandbox's mount).
        lowered = [s.lower() for s in parts.segments]
        prefix = parts.segments[: lowered.index("auth")] if "auth" in lowered else parts.segments
        return _origin(parts) + _path(prefix, where=_DUO_WHERE)
    if parts.scheme != "https":
        raise AddressError(f"Duo's API is reached over https only. {_DUO_WHERE}")
    raise AddressError(f"“{parts.host}” is not a Duo API hostname. {_DUO_WHERE}")


def duo_address(stored: str, *, allow_private: bool | None = None) -> DuoAddress:
    """Where to send Duo requests for a stored (or pasted) API hostname."""
    normalized = normalize_duo_host(stored, allow_private=allow_private)
    if "://" not in normalized:
        return DuoAddress("https", normalized, 443, "")
    split = urlsplit(normalized)
    host = split.hostname or ""
    return DuoAddress(
        split.scheme, host, split.port or _DEFAULT_PORTS[split.scheme], split.path.rstrip("/")
    )


def normalize_okta_url(text: str, *, allow_private: bool | None = None) -> str:
    """The Okta org URL to store (no trailing slash) for what was pasted, or AddressError."""
    private_ok = netsafe.allow_private() if allow_private is None else allow_private
    parts = _parse(text, what="Okta org URL", where=_OKTA_WHERE, allow_private=private_ok)
    if not private_ok:
        if parts.scheme != "https":
            raise AddressError(f"Okta is reached over https only. {_OKTA_WHERE}")
        if parts.port is not None:
            raise AddressError(f"An Okta org URL has no port number. {_OKTA_WHERE}")
    host = _org_host(parts.host)
    parts = parts._replace(host=host)
    if not private_ok:
        return _origin(parts)  # the Management API lives at the org's root
    # A pasted API address keeps only what comes before /api (the sandbox's mount).
    lowered = [s.lower() for s in parts.segments]
    prefix = parts.segments[: lowered.index("api")] if "api" in lowered else parts.segments
    return _origin(parts) + _path(prefix, where=_OKTA_WHERE)


def _org_host(host: str) -> str:
    # Okta's Admin Console is https://acme-admin.okta.com; its API is at acme.okta.com.
    first, _, domain = host.partition(".")
    if domain in _OKTA_DOMAINS and first.endswith("-admin") and len(first) > len("-admin"):
        return f"{first.removesuffix('-admin')}.{domain}"
    return host


def _parse(text: str, *, what: str, where: str, allow_private: bool) -> _Parts:
    raw = (text or "").strip()
    if not raw:
        raise AddressError(f"Enter the {what}. {where}")
    if any(c.isspace() for c in raw) or any(ord(c) < 32 for c in raw):
        raise AddressError(f"The {what} cannot contain spaces. {where}")
    # "user:pw@host" is a host with user-info (refused below), not a "user:" scheme.
    if "://" not in raw and "@" not in raw.split("/", 1)[0] and _BARE_SCHEME.match(raw):
        raise AddressError(f"The {what} must start with https://. {where}")
    url = raw if "://" in raw else "https://" + raw.removeprefix("//")
    try:
        split = urlsplit(url)
        port = split.port
    except ValueError:  # a half-typed IPv6 address, or a port that is not a number
        raise AddressError(f"The {what} is not an address we can read. {where}") from None
    scheme = split.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise AddressError(f"The {what} must start with https://. {where}")
    if "@" in split.netloc:
        raise AddressError(
            f"The {what} cannot contain a user name or password (the part before @). {where}"
        )
    if port == 0:
        raise AddressError(f"The port number in the {what} is not valid. {where}")
    host = _host(split.hostname or "", what=what, where=where, allow_private=allow_private)
    return _Parts(
        scheme,
        host,
        None if port in (None, _DEFAULT_PORTS[scheme]) else port,
        [s for s in split.path.split("/") if s],
    )


def _host(hostname: str, *, what: str, where: str, allow_private: bool) -> str:
    if not hostname:
        raise AddressError(f"The {what} has no host name. {where}")
    try:
        ip = ipaddress.ip_address(hostname)
    except ValueError:
        ip = None
    if ip is not None:
        if not allow_private:
            raise AddressError(f"Use a host name, not an IP address, as the {what}. {where}")
        return f"[{ip}]" if ip.version == 6 else str(ip)
    name = halo_addresses.ascii_host_name(hostname)
    if not name:
        raise AddressError(f"“{hostname}” is not a valid host name. {where}")
    if not allow_private and not halo_addresses.is_public_name(name):
        raise AddressError(f"“{name}” is not a public internet address. {where}")
    return name


def _origin(parts: _Parts) -> str:
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme}://{parts.host}{port}"


def _path(segments: list[str], *, where: str) -> str:
    for segment in segments:
        if not halo_addresses.is_safe_path_segment(segment):
            raise AddressError(f"The path in the address has characters we cannot use. {where}")
    return "".join(f"/{s}" for s in segments)
