"""Keep secrets out of log lines, whatever a library decides to log."""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

# key=value, "key": "value" and key: value forms of anything secret-shaped.
_PAIR = re.compile(
    r"""(?ix)
    (["']?(?:client_secret|access_token|refresh_token|password|secret|api_key|
      auth_token|tab_key|hmac|token)["']?)
    (\s*[:=]\s*["']?)
    ([^\s"'&,;}]+)
    """
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")


def redact(text: str) -> str:
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return _PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)


class OneLineFormatter(logging.Formatter):
    """One line per event (tracebacks folded), with anything secret-shaped masked.

    Redaction happens on the final text so that arguments, exception messages and
    tracebacks are all covered, whichever library produced them.
    """

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record)).replace("\n", " \\n ")
