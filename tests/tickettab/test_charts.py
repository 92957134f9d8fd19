from __future__ import annotations

import pytest

from tickettab import charts

SERIES = (
    charts.Series("verified", "Verified", "s-verified"),
    charts.Series("denied", "Denied", "s-denied"),
)


@pytest.mark.parametrize(
    ("peak", "expected"),
    [
        (0, (1, 1)),
        (1, (1, 1)),
        (3, (3, 1)),
        (7, (8, 2)),
        (10, (10, 5)),
        (37, (40, 10)),
        (1234, (1500, 500)),
    ],
)
def test_it_rounds_the_axis_to_whole_friendly_steps(peak: int, expected: tuple[int, int]) -> None:
    assert charts.nice_scale(peak) == expected


def test_it_stacks_segments_from_the_baseline_in_series_order() -> None:
    chart = charts.stacked_columns(
        [
            ("3 Mar", "Week of 3 Mar 2025", {"verified": 6, "denied": 2}),
            ("10 Mar", "Week of 10 Mar 2025", {}),
        ],
        SERIES,
        height=240,
    )
    first, empty = chart.columns
    verified, denied = first.segments
    assert (verified.label, verified.value, verified.css) == ("Verified", 6, "s-verified")
    # Heights are proportional, and each segment sits on the one below it.
    assert verified.height == pytest.approx(3 * denied.height)
    assert verified.y + verified.height == pytest.approx(chart.baseline)
    assert denied.y + denied.height == pytest.approx(verified.y)
    # The axis tops at 8 (step 2): the column of 8 reaches the top tick.
    assert [t.value for t in chart.ticks] == [0, 2, 4, 6, 8]
    assert denied.y == pytest.approx(chart.ticks[-1].y)
    assert first.total == 8
    assert empty.segments == () and empty.total == 0


def test_it_leaves_out_series_nobody_asked_for() -> None:
    chart = charts.stacked_columns([("w", "t", {"verified": 1, "mystery": 50})], SERIES)
    assert chart.columns[0].total == 1
    assert [t.value for t in chart.ticks] == [0, 1]


def test_it_thins_the_week_labels_but_always_labels_the_newest_week() -> None:
    columns = [(f"w{i}", f"Week {i}", {"verified": 1}) for i in range(26)]
    chart = charts.stacked_columns(columns, SERIES)
    labelled = [c.label for c in chart.columns if c.show_label]
    assert len(labelled) == 13
    assert labelled[-1] == "w25"
    # Twelve weeks fit: every one is labelled.
    chart = charts.stacked_columns(columns[:12], SERIES)
    assert all(c.show_label for c in chart.columns)


def test_it_keeps_columns_inside_the_plot() -> None:
    chart = charts.stacked_columns([(str(i), str(i), {"verified": i}) for i in range(26)], SERIES)
    assert chart.columns[0].x >= chart.left
    last = chart.columns[-1]
    assert last.x + last.width <= chart.right


def test_it_scales_horizontal_bars_to_the_longest() -> None:
    chart = charts.horizontal_bars([("Tom Tech", 10), ("Priya Shah", 5), ("Nobody", 0)])
    tom, priya, nobody = chart.bars
    assert priya.width == pytest.approx(tom.width / 2)
    assert tom.width == chart.width - chart.bar_x - 36
    assert nobody.width == 1.0  # a hairline, not a gap
    assert tom.y < priya.y < nobody.y
    assert chart.height == 3 * 26
    assert chart.label_x < chart.bar_x < tom.value_x


def test_it_shortens_long_labels_in_the_picture_only() -> None:
    name = "Kestrel Logistics International Holdings"
    [bar] = charts.horizontal_bars([(name, 3)]).bars
    assert bar.label == name
    assert bar.short_label == "Kestrel Logistics Internation…"
    assert len(bar.short_label) == charts.LABEL_CHARS
    assert charts.shorten("Acme") == "Acme"
