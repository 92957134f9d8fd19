"""Masked contact details: what we show and store instead of addresses and numbers."""

from __future__ import annotations

DOT = "•"


def mask_email(address: str) -> str:
    """jane.doe@example.com → j•••••••@e••••••.com"""
    local, at, domain = address.strip().partition("@")
    if not at or not local or not domain:
        return DOT * 6
    name, dot, tld = domain.rpartition(".")
    if not dot:
        name, tld = domain, ""
    masked_domain = (name[:1] + DOT * max(len(name) - 1, 2)) + (f".{tld}" if tld else "")
    return f"{local[:1]}{DOT * max(len(local) - 1, 2)}@{masked_domain}"


def mask_phone(number: str) -> str:
    """+44 7700 900123 → +•• •••• •••123 (the last three digits, for the caller to confirm)."""
    digits = [ch for ch in number if ch.isdigit()]
    if len(digits) < 6:
        return DOT * 6
    keep = 3
    out = []
    seen = 0
    total = len(digits)
    for ch in number.strip():
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > total - keep else DOT)
        elif ch in "+ ":
            out.append(ch)
    return "".join(out)
