"""The chart layer: many series through the batch engine equal xmr per series."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from orchestration.lib.analysis import series as series_lib
from orchestration.lib.analysis.charting import Series, complete_months, run
from orchestration.lib.analysis.signals import published
from orchestration.lib.spc import xmr

pytestmark = pytest.mark.unit

MONTHS = [dt.date(2024 + m // 12, m % 12 + 1, 1) for m in range(20)]


def test_complete_months_fills_gaps_with_none():
    periods, values = complete_months([MONTHS[0], MONTHS[3]], [1.0, 2.0])
    assert periods == MONTHS[:4] and values == [1.0, None, None, 2.0]
    quarters, _ = complete_months([MONTHS[0], MONTHS[9]], [1.0, 2.0], step=3)
    assert quarters == [MONTHS[0], MONTHS[3], MONTHS[6], MONTHS[9]]


def test_run_matches_xmr_for_each_series():
    rng = np.random.default_rng(5)
    charts = [
        Series(
            ("a",),
            MONTHS,
            list(rng.normal(10, 2, 20)),
            "A",
            improvement="increase",
            options={"improvement": "increase", "target": 9.0},
        ),  # fmt: skip
        Series(
            ("b",),
            MONTHS[:15],
            [*rng.normal(5, 1, 10), None, *rng.normal(3, 1, 4)],
            "B",
            improvement="decrease",
            options={"improvement": "decrease", "recalc": [11]},
        ),  # fmt: skip
        Series(("c",), MONTHS[:4], [1.0, 2.0, 3.0, 4.0], "C"),
    ]
    points, icons = run(charts)
    for chart, icon in zip(charts, icons, strict=True):
        expected = xmr(chart.values, **published(chart.options))  # what the pipeline asks
        rows = [p for p in points if p["key"] == chart.key]
        assert [r["point_type"] for r in rows] == [p["point_type"] for p in expected["points"]]
        assert [r["partition"] for r in rows] == [p["group"] for p in expected["points"]]
        assert [r["ghost"] for r in rows] == [p["ghost"] for p in expected["points"]]
        for row, point in zip(rows, expected["points"], strict=True):
            group = expected["groups"][point["group"]]
            for column in ("upl", "lpl", "mean"):
                if group[column] is None:
                    assert row[column] is None
                else:
                    assert row[column] == pytest.approx(group[column], rel=1e-12)
        assert icon["variation_icon"] == expected["variation_icon"]
        assert icon["assurance_icon"] == expected["assurance_icon"]
        assert icon["spc_shown"] == expected["spc_shown"]
        assert icon["chart_svg"].startswith("<svg")
    assert icons[1]["latest_value"] == charts[1].values[-1]
    assert icons[1]["previous_value"] == charts[1].values[-2]


# A whole-day median at 3 days with a 4 now and then, like the demo's fly-tip clearance: its
# moving ranges are nearly all 0, so the limits sit a fraction of a day around the average and
# (engine default "ignore") the latest 4 is read as special-cause concern. It IS chunky data.
WHOLE_DAY_MEDIAN = [3.0] * 10 + [4.0] + [3.0] * 8 + [4.0]


def test_every_chart_is_run_with_chunky_data_showing_no_signals():
    assert xmr(WHOLE_DAY_MEDIAN, improvement="decrease")["variation_icon"] == "concern_high"
    chunky = Series(
        ("fly",),
        MONTHS,
        WHOLE_DAY_MEDIAN,
        "Fly-tip report to cleared: days (median)",
        unit="days",
        improvement="decrease",
        # a series' own options cannot turn the published-chart setting off
        options={"improvement": "decrease", "target": 5.0, "chunky": "ignore"},
    )
    rng = np.random.default_rng(2)
    fine = [*rng.normal(20, 1, 12), *rng.normal(14, 1, 8)]  # a real shift, fine resolution
    shifted = Series(("fine",), MONTHS, fine, "Fine", options={"improvement": "decrease"})
    points, (icon, fine_icon) = run([chunky, shifted])
    assert icon["spc_shown"] and icon["variation_icon"] is None and icon["assurance_icon"] is None
    assert {p["point_type"] for p in points if p["key"] == ("fly",)} == {"common_cause"}
    assert icon["warnings"].startswith(
        "chunky data: group 0 (points 0-19) is recorded in steps of 1"
    )
    assert icon["warnings"].endswith("special causes not shown")
    assert (
        "Fly-tip report to cleared: days (median): the figures are recorded in steps too coarse "
        "for their variation (whole days), so this chart cannot show special causes; read the "
        "values, not the signals." in icon["text_alternative"]
    )
    assert "cannot show special causes" in icon["chart_svg"]
    assert fine_icon["variation_icon"] == "improvement_low" and not fine_icon["warnings"]


def _case_days(cases: pd.DataFrame) -> pd.DataFrame:
    """What CASE_DAYS_SQL returns for these cases: counts per completion month and days."""
    frame = cases.assign(period_start=[d.replace(day=1) for d in cases.completed_date])
    keys = ["council_code", "service", "case_type", "period_start", "end_to_end_days"]
    return frame.groupby(keys).size().rename("cases").reset_index()


def test_monthly_medians_by_completion_month():
    cases = pd.DataFrame(
        {
            "council_code": ["X"] * 4,
            "service": ["s"] * 4,
            "case_type": ["t"] * 4,
            "received_date": [dt.date(2025, 1, 1)] * 4,
            "completed_date": [
                dt.date(2025, 1, 5),
                dt.date(2025, 1, 30),
                dt.date(2025, 1, 31),
                dt.date(2025, 2, 1),
            ],  # fmt: skip
            "end_to_end_days": [4, 29, 30, 31],
        }
    )
    medians = series_lib.monthly_medians(_case_days(cases))
    assert list(medians.period_start) == [dt.date(2025, 1, 1), dt.date(2025, 2, 1)]
    assert list(medians.value) == [29.0, 31.0] and list(medians.cases) == [3, 1]


def test_medians_from_counts_equal_the_cases_medians():
    """Whole days counted per month give the same medians as the cases themselves, odd and
    even counts, repeated days and all."""
    rng = np.random.default_rng(5)
    count = 2000
    cases = pd.DataFrame(
        {
            "council_code": rng.choice(["X", "Y"], count),
            "service": rng.choice(["a", "b"], count),
            "case_type": "t",
            "completed_date": [
                dt.date(2025, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 200, count)
            ],
            "end_to_end_days": rng.integers(0, 40, count),
        }
    )
    medians = series_lib.monthly_medians(_case_days(cases))
    cases["period_start"] = [d.replace(day=1) for d in cases.completed_date]
    expected = (
        cases.groupby(["council_code", "service", "case_type", "period_start"])
        .end_to_end_days.agg(["median", "size"])
        .reset_index()
    )
    assert list(medians.value) == list(expected["median"])
    assert list(medians.cases) == list(expected["size"])
    assert list(medians.period_start) == list(expected.period_start)


def test_recent_months_reach_back_to_the_latest_cases():
    days = pd.DataFrame(
        {
            "council_code": "X",
            "service": ["s", "s", "s", "q"],
            "case_type": "t",
            "period_start": [
                dt.date(2025, 1, 1),
                dt.date(2025, 2, 1),
                dt.date(2025, 3, 1),
                dt.date(2025, 3, 1),
            ],
            "end_to_end_days": 5,
            "cases": [200, 150, 100, 10],
        }
    )
    reach = series_lib.recent_months(days, limit=300)
    # s: 100 in March + 150 in February fall short of 300, so January; q has only March
    assert dict(zip(reach.service, reach.completed_from, strict=True)) == {
        "s": dt.date(2025, 1, 1),
        "q": dt.date(2025, 3, 1),
    }
    assert series_lib.recent_months(days, limit=250).set_index("service").completed_from[
        "s"
    ] == dt.date(2025, 2, 1)


def test_measure_series_keep_the_measure_frequency_and_latest_load():
    values = pd.DataFrame(
        {
            "measure_id": ["m", "m", "m", "m"],
            "council_code": ["X"] * 4,
            "period_start": [MONTHS[0], MONTHS[0], MONTHS[2], MONTHS[0]],
            "period_end": [MONTHS[1] - dt.timedelta(days=1)] * 2
            + [MONTHS[3] - dt.timedelta(days=1), MONTHS[3] - dt.timedelta(days=1)],
            "value": [1.0, 2.0, 3.0, 99.0],  # the last is a quarter: not this monthly chart
            "loaded_at": [1, 2, 1, 1],
        }
    )
    measures = pd.DataFrame(
        [("m", "X", "M", "percent", "lower", "monthly", None, "mdc")],
        columns=[
            "measure_id",
            "council_code",
            "name",
            "unit",
            "polarity",
            "frequency",
            "target",
            "spc_profile",
        ],  # fmt: skip
    )
    (chart,) = series_lib.measure_series(values, measures, [])
    assert chart.periods == MONTHS[:3] and chart.values == [2.0, None, 3.0]
    assert chart.improvement == "decrease" and chart.unit == "%"
    assert "target" not in chart.options
