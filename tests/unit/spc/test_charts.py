"""SVG rendering and text alternatives for XmR results."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from orchestration.lib.spc import xmr
from orchestration.lib.spc.charts import describe, fmt, render_svg

pytestmark = pytest.mark.unit
SVG = "{http://www.w3.org/2000/svg}"

# 12 ordinary months, then 8 months well below the average (lower is better)
VALUES = [20, 22, 19, 21, 23, 20, 22, 21, 19, 22, 20, 21, 15, 14, 15, 16, 14, 15, 14, 15]
PERIODS = [dt.date(2024, 11, 1) + dt.timedelta(days=31 * i) for i in range(len(VALUES))]
PERIODS = [d.replace(day=1) for d in PERIODS]


def _result():
    return xmr(VALUES, improvement="decrease", target=18, ghost=[3])


def test_describe_names_the_pattern_its_length_and_start():
    text = describe(_result(), "Days to process a claim", "days", PERIODS, "decrease")
    assert "Special-cause improvement: 8 months below the average since" in text
    assert PERIODS[12].strftime("%B %Y") in text
    assert "Latest value 15 days" in text


def test_describe_run_chart_when_too_few_points():
    text = describe(xmr(VALUES[:5]), "Claims", "", None, "increase")
    assert "run chart only" in text


def test_svg_is_well_formed_accessible_and_deterministic():
    result = _result()
    first = render_svg(result, "Days to process a claim", "days", PERIODS, "decrease")
    second = render_svg(_result(), "Days to process a claim", "days", PERIODS, "decrease")
    assert first == second
    root = ET.fromstring(first)
    assert root.find(f"{SVG}title").text == "Capability chart: Days to process a claim"
    assert "Special-cause improvement" in root.find(f"{SVG}desc").text
    for text in root.iter(f"{SVG}text"):
        assert text.get("font-family") == "Arial, sans-serif"


def test_ghost_is_hollow_and_special_points_differ_in_shape():
    svg = render_svg(_result(), "Claims", "", PERIODS, "decrease")
    root = ET.fromstring(svg)
    groups = [g for g in root.iter(f"{SVG}g") if g.find(f"{SVG}title") is not None]
    ghost = next(g for g in groups if "Ghosted" in g.find(f"{SVG}title").text)
    assert ghost.find(f"{SVG}circle").get("fill") == "none"
    improving = [g for g in groups if "improvement" in g.find(f"{SVG}title").text.lower()]
    assert improving and all(g.find(f"{SVG}polygon") is not None for g in improving[:-1])


def test_icons_carry_letters_and_text_labels():
    svg = render_svg(_result(), "Claims", "", PERIODS, "decrease")
    root = ET.fromstring(svg)
    icons = {g.get("class"): g for g in root.iter(f"{SVG}g") if g.get("class")}
    variation = icons["variation-icon"]
    texts = [t.text for t in variation.iter(f"{SVG}text")]
    assert "L" in texts and "Special cause improvement (low)" in texts
    assert "assurance-icon" in icons
    assert re.search(r'stroke="#489FDF"', svg)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1545.1666, "", "1,545"),
        (0.92411, "", "0.9241"),
        (12.5, "%", "12.5%"),
        (3, "days", "3 days"),
    ],
)
def test_number_formatting(value, unit, expected):
    assert fmt(value, unit) == expected


# Chunky data: the text alternative says why no signal is read.
WHOLE_DAYS = [3] * 16 + [4]  # a whole-day median at 3 for 16 months, then 4


def test_describe_suppressed_chunky_reads_the_values_not_the_signals():
    result = xmr(WHOLE_DAYS, improvement="decrease", target=5, chunky="suppress")
    text = describe(result, "Fly-tip report to cleared", "days", PERIODS[:17], "decrease")
    assert (
        "Fly-tip report to cleared: the figures are recorded in steps too coarse for their "
        "variation (whole days), so this chart cannot show special causes; read the values, "
        "not the signals." in text
    )
    assert "Latest value 4 days" in text
    assert "process limits" not in text and "Special-cause" not in text
    assert "Target" not in text  # no assurance from untrustworthy limits
    svg = render_svg(result, "Fly-tip report to cleared", "days", PERIODS[:17], "decrease")
    root = ET.fromstring(svg)
    assert "cannot show special causes" in root.find(f"{SVG}desc").text
    assert not [g for g in root.iter(f"{SVG}g") if g.get("class") == "variation-icon"]


def test_describe_flagged_chunky_keeps_the_signal_with_a_caution():
    result = xmr(WHOLE_DAYS, improvement="decrease", chunky="flag")
    text = describe(result, "Fly-tip report to cleared", "days", PERIODS[:17], "decrease")
    assert "Special-cause concern: above the upper process limit" in text
    assert text.endswith(
        "Caution: the figures are recorded in steps too coarse for their variation "
        "(whole days), so this chart's signals may be false alarms."
    )


def test_describe_names_earlier_chunky_limits_and_keeps_the_latest_signal():
    values = [3] * 8 + [4] + [3] * 6 + [5, 9, 4, 8, 6, 10, 5, 7, 9, 4, 6, 8, 5, 9, 25]
    result = xmr(values, improvement="decrease", recalc=[15], chunky="suppress")
    text = describe(result, "Days", "days", None, "decrease")
    assert text.startswith("Days: Special-cause concern: above the upper process limit")
    assert (
        "Figures up to 14 are recorded in steps too coarse for their variation (whole days), "
        "so no special causes are read from them." in text
    )


@pytest.mark.parametrize(
    ("values", "options", "unit", "words"),
    [
        ([0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0], {}, "", "whole numbers"),
        (
            [92, 93, 92, 92, 93, 92, 92, 93, 92, 92, 92, 93, 92, 92],
            {},
            "%",
            "whole percentage points",
        ),
        ([3, 3, 3.5, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3], {}, "days", "steps of 0.5 days"),
        ([5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5], {}, "", "every value is the same"),
        (
            [20, 20, 40, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20],
            {"resolution": 20},
            "t",
            "steps of 20 t",
        ),
    ],
)
def test_describe_names_the_recording_step(values, options, unit, words):
    result = xmr(values, chunky="suppress", **options)
    assert f"steps too coarse for their variation ({words})" in describe(result, "M", unit)


def test_chart_has_dated_time_axis_limit_labels_and_a_legend():
    values = [40, 42, 41, 43, 39, 44, 45, 41, 42, 38, 36, 35, 34, 33, 35, 34]
    quarters = [dt.date(2020 + (3 + 3 * i) // 12, (3 + 3 * i) % 12 + 1, 1) for i in range(16)]
    result = xmr(values, improvement="decrease", target=38)
    svg = render_svg(
        result, "Households", "", quarters, "decrease", target=38, frequency="quarterly"
    )
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert "Q1 2020/21" in texts and "Q4 2023/24" in texts  # first and last quarter
    group = result["groups"][-1]
    for line in ("lpl", "mean", "upl"):
        assert fmt(group[line]) in texts, line
    assert {"Average", "Process limits", "Target"} <= set(texts)
    run = render_svg(xmr(values[:5]), "Households", "", quarters[:5], frequency="quarterly")
    run_texts = [t.text for t in ET.fromstring(run).iter(f"{SVG}text")]
    assert "Process limits" not in run_texts and fmt(max(values[:5])) in run_texts
