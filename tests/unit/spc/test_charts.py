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
