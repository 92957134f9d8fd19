"""Turning what a customer pastes into a Halo address we are willing to call.

Customers copy the Resource Server from Halo (`https://acme.halopsa.com/api`), type
the bare name, or paste the address of whatever Halo page they had open. All of them
mean the same instance. The rules here are purely textual: whether the name resolves
to a private address is checked at request time by `integrations.netsafe`, because
DNS answers change after the form is saved.
"""

from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple
from urllib.parse import SplitResult, urlsplit

import idna
from django.core.exceptions import ValidationError

EXAMPLE = "https://yourcompany.halopsa.com"
_PASTE_RESOURCE_SERVER = (
    "Paste the Resource Server shown in Halo under Configuration > Integrations > "
    f"Halo API, for example {EXAMPLE}/api."
)
_DEFAULT_PORTS = {"http": 80, "https": 443}

# A scheme followed by something that is not a port number: "javascript:alert(1)",
# "mailto:x". "acme.halopsa.com:8443" is a host and port, not a scheme.
_SCHEME_WITHOUT_SLASHES = re.compile(r"^([a-z][a-z0-9+.-]*):(?!\d+(?:[/?#]|$))", re.IGNORECASE)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Real top-level domains are letters (or punycode). This also refuses the numeric
# forms that resolvers accept as IPv4 addresses ("127.1", "0x7f.1").
_PUBLIC_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
# Special-use and never-delegated names (RFC 6761, RFC 6762, RFC 8375, ICANN's
# .internal) plus suffixes that are private by common convention.
_PRIVATE_SUFFIXES = (
    "localhost",
    "local",
    "localdomain",
    "internal",
    "intranet",
    "private",
    "lan",
    "home",
    "corp",
    "test",
    "example",
    "invalid",
    "onion",
    "alt",
    "arpa",
)
# Where the Halo sandbox is mounted (integrations/sandbox/urls.py, under the root URLs).
SANDBOX_MOUNT = ("sandbox", "halo")
_PATH_SEGMENT = re.compile(r"^[A-Za-z0-9._~-]+$")


class _Parts(NamedTuple):
    scheme: str
    host: str  # as it goes into a URL: lowercase ASCII, IPv6 in brackets
    port: int | None  # None for the scheme's default port
    segments: list[str]  # path segments, empty ones dropped, not yet checked


def normalize_resource_server(text: str, *, allow_private: bool) -> str:
    """Return the Halo base URL (no trailing slash) for a pasted Resource Server."""

    parts = _parse(text, allow_private=allow_private, what="Resource Server")
    lowered = [s.lower() for s in parts.segments]
    # Self-hosted Halo may live under a path (https://halo.example.com/halo/api);
    # anything after /api, and any page URL without it, is not part of the base.
    if "api" in lowered:
        prefix = parts.segments[: lowered.index("api")]
    elif lowered[: len(SANDBOX_MOUNT)] == list(SANDBOX_MOUNT):
        # Our sandbox plays a Halo mounted under /sandbox/halo: its pages carry the
        # mount, so that "the address of any Halo page works" holds for it too.
        prefix = list(SANDBOX_MOUNT)
    else:
        prefix = []
    return _origin(parts) + _path(prefix, what="Resource Server")


def normalize_auth_server(text: str, *, allow_private: bool) -> str:
    """Return the Authorisation Server URL (no trailing slash) for a pasted value.

    Unlike the Resource Server its path is kept, since Halo-hosted authorisation
    servers can live anywhere; only a pasted token endpoint (`…/token`) is trimmed.
    """

    parts = _parse(text, allow_private=allow_private, what="Authorisation Server")
    segments = parts.segments
    if segments and segments[-1].lower() == "token":
        segments = segments[:-1]
    return _origin(parts) + _path(segments, what="Authorisation Server")


def origin_of(base_url: str) -> str:
    """scheme://host[:port] of a normalized URL, e.g. for CSP frame-ancestors."""

    split = urlsplit(base_url)
    return f"{split.scheme}://{split.netloc}"


def api_base(base_url: str) -> str:
    return base_url.rstrip("/") + "/api"


def default_auth_server(base_url: str) -> str:
    return base_url.rstrip("/") + "/auth"


def _origin(parts: _Parts) -> str:
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme}://{parts.host}{port}"


def _parse(text: str, *, allow_private: bool, what: str) -> _Parts:
    raw = (text or "").strip()
    if not raw:
        raise ValidationError(f"Enter the {what}. {_PASTE_RESOURCE_SERVER}", code="empty")
    if any(c.isspace() for c in raw):
        raise ValidationError(
            f"The {what} cannot contain spaces. {_PASTE_RESOURCE_SERVER}", code="spaces"
        )
    url = _with_scheme(raw, what=what)
    try:
        split = urlsplit(url)
    except ValueError:  # an unbalanced "[" or "]": an IPv6 address half typed
        raise ValidationError(
            f"The {what} is not a web address we can read. {_PASTE_RESOURCE_SERVER}",
            code="invalid",
        ) from None
    scheme = split.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValidationError(
            f"The {what} must be a web address starting with https://. {_PASTE_RESOURCE_SERVER}",
            code="scheme",
        )
    if scheme == "http" and not allow_private:
        raise ValidationError(
            f"Halo must be reached over https://, not http://. Use the https:// address, "
            f"for example {EXAMPLE}.",
            code="insecure",
        )
    if "@" in split.netloc:
        raise ValidationError(
            f"The {what} cannot contain a user name or password (the part before @). "
            f"Paste only the address, for example {EXAMPLE}.",
            code="userinfo",
        )
    host = _host(split.hostname or "", allow_private=allow_private, what=what)
    port = _port(split, scheme, what=what)
    return _Parts(scheme, host, port, [s for s in split.path.split("/") if s])


def _with_scheme(raw: str, *, what: str) -> str:
    if raw.startswith("//"):
        return "https:" + raw
    if "://" in raw or "@" in raw.split("/", 1)[0]:
        # "user:pw@host" is a host with user-info, not a "user:" scheme.
        return raw if "://" in raw else "https://" + raw
    match = _SCHEME_WITHOUT_SLASHES.match(raw)
    if match:
        raise ValidationError(
            f"“{match.group(1)}:” addresses cannot be used. The {what} starts with "
            f"https://, for example {EXAMPLE}/api.",
            code="scheme",
        )
    return "https://" + raw


def _port(split: SplitResult, scheme: str, *, what: str) -> int | None:
    try:
        port = split.port
    except ValueError:
        port = 0
    if port == 0:
        raise ValidationError(
            f"The port number in the {what} is not valid. Paste the address as Halo shows "
            f"it, for example {EXAMPLE}/api.",
            code="port",
        )
    return None if port in (None, _DEFAULT_PORTS[scheme]) else port


def _host(hostname: str, *, allow_private: bool, what: str) -> str:
    if not hostname:
        raise ValidationError(f"The {what} has no host name. {_PASTE_RESOURCE_SERVER}")
    ip = _ip_literal(hostname)
    if ip is not None:
        if not allow_private:
            raise ValidationError(
                f"Use the name of your Halo instance, such as yourcompany.halopsa.com, "
                f"not an IP address, as the {what}.",
                code="ip",
            )
        return f"[{ip}]" if ip.version == 6 else str(ip)
    name = _ascii_name(hostname.rstrip("."), what=what)
    if not allow_private:
        _check_public_name(name, what=what)
    return name


def _ip_literal(hostname: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(hostname)
    except ValueError:
        return None


def ascii_host_name(hostname: str) -> str:
    """The host name in ASCII (IDNA), or "" when it is not a valid host name. Shared by
    every address a customer types (Halo's here, identity providers' in identity/)."""
    try:
        name = idna.encode(hostname.rstrip("."), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return ""
    if not name or len(name) > 253 or not all(_LABEL.match(x) for x in name.split(".")):
        return ""
    return name


def is_public_name(name: str) -> bool:
    """Whether an ASCII host name can be a public internet name (not "localhost",
    "x.internal" or a numeric form that resolvers read as an IPv4 address)."""
    labels = name.split(".")
    return (
        len(labels) >= 2
        and bool(_PUBLIC_TLD.match(labels[-1]))
        and labels[-1] not in _PRIVATE_SUFFIXES
    )


def is_safe_path_segment(segment: str) -> bool:
    return segment not in (".", "..") and bool(_PATH_SEGMENT.match(segment))


def _ascii_name(hostname: str, *, what: str) -> str:
    name = ascii_host_name(hostname)
    if not name:
        raise ValidationError(
            f"“{hostname}” is not a valid host name. {_PASTE_RESOURCE_SERVER}", code="host"
        )
    return name


def _check_public_name(name: str, *, what: str) -> None:
    if not is_public_name(name):
        raise ValidationError(
            f"“{name}” is not a public internet address, so we cannot reach it. Use the "
            f"public address of your Halo instance as the {what}, for example {EXAMPLE}.",
            code="private",
        )


def _path(segments: list[str], *, what: str) -> str:
    # Only the segments we keep are checked: the rest of a pasted page URL is dropped.
    for segment in segments:
        if not is_safe_path_segment(segment):
            raise ValidationError(
                f"The path in the {what} has characters we cannot use. Paste the address "
                f"as Halo shows it, for example {EXAMPLE}/api.",
                code="path",
            )
    return "".join(f"/{s}" for s in segments)
