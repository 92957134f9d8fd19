from __future__ import annotations

import logging
import sys

from mspprocess.logging import OneLineFormatter, redact


def test_it_masks_secret_shaped_values() -> None:
    line = redact(
        "POST /token client_id=abc&client_secret=s3cr3t-value&scope=all "
        'Authorization: Bearer eyJhbGciOi.payload.sig {"access_token": "tok-123"}'
    )
    assert "s3cr3t-value" not in line
    assert "eyJhbGciOi" not in line
    assert "tok-123" not in line
    assert "client_id=abc" in line


def test_it_writes_one_line_per_event_even_with_a_traceback() -> None:
    formatter = OneLineFormatter("%(levelname)s %(message)s")
    try:
        raise ValueError("client_secret=hunter22 was rejected")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, None)
        record.exc_info = sys.exc_info()
    text = formatter.format(record)
    assert "\n" not in text
    assert "hunter22" not in text
    assert text.startswith("ERROR failed")
