"""A pack whose period analysis.measure_icons is not for computes the chart itself, with the
same published-chart setting as the analysis tables: chunky data show no special cause."""

import datetime as dt

import pytest

from orchestration.lib.reporting import data

pytestmark = pytest.mark.unit

MONTHS = [dt.date(2024 + m // 12, m % 12 + 1, 1) for m in range(20)]
MEASURE = {
    "measure_id": "saf_e2e_flytip_cleared_median",
    "council_code": "E07000234",
    "frequency": "monthly",
    "name": "Fly-tip report to cleared: days (median)",
    "polarity": "lower",
    "target": 5,
    "spc_profile": "mdc",
    "unit": "days",
}


def _rows(values):
    return [{"period_start": m, "value": v} for m, v in zip(MONTHS, values, strict=True)]


def test_a_whole_day_median_shows_no_special_cause_and_says_why():
    # 3 days month after month with a 4 now and then: chunky data (its moving ranges are
    # nearly all 0), where the engine default reads the latest 4 as special-cause concern.
    chart = data._computed_chart(MEASURE, _rows([3] * 10 + [4] + [3] * 8 + [4]))
    assert chart["spc_shown"]
    assert chart["variation_icon"] is None and chart["assurance_icon"] is None
    assert chart["latest_point_type"] == "common_cause"
    assert chart["warnings"].endswith("special causes not shown")
    assert (
        "cannot show special causes; read the values, not the signals"
        in (chart["text_alternative"])
    )


def test_whole_days_that_vary_enough_keep_their_signal():
    values = [20, 22, 19, 21, 23, 20, 22, 21, 19, 22, 20, 21, 15, 14, 15, 16, 14, 15, 14, 15]
    chart = data._computed_chart(MEASURE, _rows(values))
    assert chart["variation_icon"] == "improvement_low" and chart["warnings"] == ""
    assert chart["no_signal_reason"] is None


def test_a_running_total_is_charted_as_its_change_on_a_year_earlier():
    # collected to date: about 8% in April climbing to 98% in March, then again; this year
    # runs a steady 1 point ahead of last year
    last_year = [8.5 * (m + 1) for m in range(12)]
    months = [dt.date(2023 + (m + 3) // 12, (m + 3) % 12 + 1, 1) for m in range(24)]
    rows = [
        {"period_start": month, "value": value}
        for month, value in zip(months, last_year + [v + 1 for v in last_year], strict=True)
    ]
    measure = {
        **MEASURE,
        "name": "Council tax collected in year",
        "unit": "percent",
        "polarity": "higher",
        "target": None,
        "accumulation": "year_to_date",
        "signals": "year_on_year",
        "signals_reason": None,
    }
    chart = data._computed_chart(measure, rows)
    assert chart["variation_icon"] is None  # 12 changes: too few for limits yet
    assert chart["no_signal_reason"] == "too few points for process limits yet"
    text = chart["text_alternative"]
    assert "change from the same month a year earlier" in text
    assert "running total for the financial year" in text
    assert "Latest value 1 percentage points in March 2025" in text


def test_a_chart_that_reads_no_signal_says_why():
    measure = {**MEASURE, "signals": "none", "signals_reason": "a share of a handful of cases"}
    chart = data._computed_chart(measure, _rows([3] * 10 + [9] + [3] * 9))
    assert not chart["spc_shown"] and chart["variation_icon"] is None
    assert chart["no_signal_reason"] == "a share of a handful of cases"
    assert (
        "run chart only, no signals read: a share of a handful of cases"
        in (chart["text_alternative"])
    )
