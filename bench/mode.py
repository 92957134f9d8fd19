"""Full or quick: `BENCH_QUICK=1 make bench` runs every phase with smaller counts.

Quick mode is for developing the bench (a few minutes); its figures are noisier and
its realistic day is shorter than one 5-minute window, so results.json says so
(`meta.quick`) and only a full run's results are committed.
"""

from __future__ import annotations

import os

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0", "false")


def scaled(full: int, quick: int) -> int:
    return quick if QUICK else full
