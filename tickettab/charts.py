"""Bar geometry for the dashboard's charts; the templates draw it as inline SVG.

Why hand-made SVG and not pygal (3.1.3): the site's Content-Security-Policy allows
scripts and styles from our own files only (mspprocess/settings.py, style-src and
script-src 'self'). pygal's SVG always carries a <style> element (its base.css, even
with css=[]) and a <script> holding its config (even with js=[]), and colours its
series through that <style>: inline in the page, the browser refuses both, and the
chart loses its colours. Two kinds of bars need no library: each shape here is a
rectangle with a CSS class, coloured by the stylesheet (tickettab/dashboard.css).

Sizes are in the SVG's own units (its viewBox); the SVG scales to its box.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# A label longer than this is cut in the picture; the table under it has it whole.
LABEL_CHARS = 30
# A week's column: at most this many labels under the axis, or they overlap.
MAX_AXIS_LABELS = 13


@dataclass(frozen=True)
class Series:
    """One kind of count in a stacked column (an outcome): its key, words and class."""

    key: str
    label: str
    css: str


@dataclass(frozen=True)
class Segment:
    label: str
    value: int
    css: str
    y: float
    height: float


@dataclass(frozen=True)
class Column:
    label: str
    title: str
    total: int
    x: float
    width: float
    centre: float
    show_label: bool
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    left: float
    right: float
    baseline: float
    tick_x: float
    label_y: float
    ticks: tuple[Tick, ...]
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class Bar:
    label: str
    short_label: str
    value: int
    y: float
    width: float
    text_y: float
    value_x: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bar_x: float
    label_x: float
    bar_height: float
    bars: tuple[Bar, ...]


def nice_scale(peak: int, steps: int = 4) -> tuple[int, int]:
    """The axis's top and step: whole numbers, the step 1, 2 or 5 times a power of ten,
    so that the gridlines read 0, 5, 10, 15, 20 rather than 0, 4.75, 9.5."""
    if peak <= 0:
        return 1, 1
    raw = peak / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, int(step))
    return math.ceil(peak / step) * step, step


def shorten(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def stacked_columns(
    columns: Sequence[tuple[str, str, dict[str, int]]],
    series: Sequence[Series],
    *,
    width: int = 720,
    height: int = 240,
) -> ColumnChart:
    """One column per (label, title, counts by series key), its segments stacked from
    the bottom in the order of `series`."""
    left, right, top, baseline = 44.0, width - 8.0, 10.0, height - 30.0
    peak = max((sum(counts.get(s.key, 0) for s in series) for _, _, counts in columns), default=0)
    axis_top, step = nice_scale(peak)
    scale = (baseline - top) / axis_top
    slot = (right - left) / max(1, len(columns))
    every = math.ceil(len(columns) / MAX_AXIS_LABELS) if columns else 1
    drawn = []
    for index, (label, title, counts) in enumerate(columns):
        y, segments = baseline, []
        for s in series:
            value = counts.get(s.key, 0)
            if value:
                y -= value * scale
                segments.append(
                    Segment(s.label, value, s.css, round(y, 2), round(value * scale, 2))
                )
        x = left + index * slot
        drawn.append(
            Column(
                label=label,
                title=title,
                total=sum(counts.get(s.key, 0) for s in series),
                x=round(x + slot * 0.15, 2),
                width=round(slot * 0.7, 2),
                centre=round(x + slot / 2, 2),
                # The newest week is always labelled: it is the one people look for.
                show_label=(len(columns) - 1 - index) % every == 0,
                segments=tuple(segments),
            )
        )
    ticks = tuple(
        Tick(value, round(baseline - value * scale, 2)) for value in range(0, axis_top + 1, step)
    )
    return ColumnChart(
        width, height, left, right, baseline, left - 6, baseline + 18, ticks, tuple(drawn)
    )


def horizontal_bars(
    rows: Sequence[tuple[str, int]],
    *,
    width: int = 720,
    row_height: int = 26,
    label_width: int = 250,
) -> BarChart:
    """One bar per (label, value), longest scaled to the room left by the labels."""
    value_room = 36
    bar_height = row_height * 0.65
    room = width - label_width - value_room
    peak = max((value for _, value in rows), default=0) or 1
    bars = []
    for index, (label, value) in enumerate(rows):
        y = index * row_height + (row_height - bar_height) / 2
        length = round(room * value / peak, 2)
        bars.append(
            Bar(
                label=label,
                short_label=shorten(label),
                value=value,
                y=round(y, 2),
                # A bar of 0 is still a hairline: "none" is an answer, not a gap.
                width=max(length, 1.0),
                text_y=round(y + bar_height / 2, 2),
                value_x=round(label_width + max(length, 1.0) + 6, 2),
            )
        )
    height = max(1, len(rows)) * row_height
    return BarChart(
        width, height, float(label_width), label_width - 8.0, round(bar_height, 2), tuple(bars)
    )
