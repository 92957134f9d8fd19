"""Read a response's Content-Security-Policy as {directive: sources}."""

from __future__ import annotations


def csp(response) -> dict[str, str]:
    header = response.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        name, _, sources = part.strip().partition(" ")
        if name:
            directives[name] = sources.strip()
    return directives
