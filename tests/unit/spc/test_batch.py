"""The batch path gives exactly what xmr gives, measure by measure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from orchestration.lib.spc import xmr
from orchestration.lib.spc.batch import xmr_frame
from orchestration.lib.spc.charts import describe, result_from_points
from tests.support.spc_cases import load, load_own

pytestmark = pytest.mark.unit

LIMIT_FIELDS = ("upl", "lpl", "upper_two_sigma", "lower_two_sigma")


def _frame(series: dict[str, list]) -> pd.DataFrame:
    rows = []
    for measure, values in series.items():
        periods = pd.date_range("2022-04-01", periods=len(values), freq="MS")
        rows += [(measure, p, v) for p, v in zip(periods, values, strict=True)]
    frame = pd.DataFrame(rows, columns=["measure_id", "period_start", "value"])
    return frame.sample(frac=1.0, random_state=7)  # the batch path must sort by period itself


def _series() -> tuple[dict[str, list], dict[str, dict]]:
    rng = np.random.default_rng(20250601)
    series = {f"synthetic-{i:02d}": list(rng.normal(100, 8, 30).round(1)) for i in range(20)}
    series["step-change"] = [10.0] * 3 + [12, 11, 13, 12, 11] * 3 + [20, 21, 19, 22, 20, 21, 20]
    series["flat"] = [4.0] * 16
    series["short"] = [1.0, 2.0, 3.0]
    series["gappy"] = [5, 6, None, 7, 5, 6, 8, 5, None, 6, 7, 6, 5, 6, 7, 30, 6, 5]
    m2 = load("07_mdc_sql_sample_M2_baseline_recalc_ghost.json")["input"]
    series["m2"] = m2["values"]
    series["ptd-rebased"] = list(rng.normal(50, 3, 24).round(2))
    options = {
        "m2": {
            "improvement": "decrease",
            "target": 12,
            "baseline_end": 23,
            "recalc": [44],
            "ghost": [57],
            "conflict": "concern",
        },
        "ptd-rebased": {"profile": "ptd", "recalc": [12], "target": 49},
        "step-change": {"recalc": [18], "improvement": "decrease", "screen": True},
        "synthetic-03": {"improvement": "neutral", "shift_points": 6, "trend_points": 6},
        "synthetic-04": {"target": 95.0, "two_of_three": "band"},
    }
    # the chunky-data rule (case 09): flagged, suppressed, per partition, ptd, given resolution
    for entry in load_own("09_platform_chunky_data.json")["series"]:
        for mode in ("flag", "suppress"):
            series[f"{entry['name']}-{mode}"] = entry["values"]
            options[f"{entry['name']}-{mode}"] = {**entry["options"], "chunky": mode}
    series["gappy-chunky"] = [3, 3, None, 3, 4, 3, 3, 3, None, 3, 3, 3, 2, 3, 3, 3]
    options["gappy-chunky"] = {"chunky": "suppress", "ghost": [5], "improvement": "decrease"}
    series["baseline-chunky"] = [3] * 14 + [4, 3, 3, 5, 3, 3, 3, 3, 3, 4]
    options["baseline-chunky"] = {"chunky": "suppress", "baseline_end": 13, "target": 2}
    options["synthetic-05"] = {"chunky": "suppress", "resolution": 0.1}
    options["flat"] = {"chunky": "flag"}
    return series, options


def _same(a, b) -> bool:
    if a is None or (isinstance(a, float) and np.isnan(a)):
        return b is None or (isinstance(b, float) and np.isnan(b)) or b is pd.NA
    if a is pd.NA:
        return b is None
    return a == b


def test_batch_matches_xmr_for_every_measure():
    series, options = _series()
    points, summary = xmr_frame(_frame(series), options_by_group=options)
    assert sorted(summary["measure_id"]) == sorted(series)
    for measure, values in series.items():
        single = xmr(values, **options.get(measure, {}))
        rows = points[points["measure_id"] == measure].reset_index(drop=True)
        assert len(rows) == len(values)
        for point, row in zip(single["points"], rows.to_dict("records"), strict=True):
            for field in ("index", "group", "ghost", "rules_high", "rules_low", "point_type"):
                assert row[field] == point[field], (measure, point["index"], field)
            value = row["value"]
            assert _same(point["value"], None if value is None or value is pd.NA else value)
            group = single["groups"][point["group"]]
            for field in ("mean", *LIMIT_FIELDS):
                got = row[field]
                got = None if got is None or got is pd.NA else float(got)
                assert got == group[field], (measure, point["index"], field)
        top = summary[summary["measure_id"] == measure].iloc[0]
        assert top["spc_shown"] == single["spc_shown"]
        assert top["variation_icon"] == single["variation_icon"]
        assert top["assurance_icon"] == single["assurance_icon"]
        assert list(top["warnings"]) == single["warnings"]
        live = [p for p in single["points"] if not p["ghost"]]
        assert top["n"] == len(live)
        assert top["latest_value"] == live[-1]["value"]


def test_batch_covers_special_cause_and_run_charts():
    series, options = _series()
    points, summary = xmr_frame(_frame(series), options_by_group=options)
    shown = dict(zip(summary["measure_id"], summary["spc_shown"], strict=True))
    assert shown["short"] is False and shown["m2"] is True
    assert (points["point_type"] == "special_cause_improvement").any()
    assert points.loc[points["measure_id"] == "short", "upl"].isna().all()
    assert "no variation" in summary.set_index("measure_id").loc["flat", "warnings"]


def test_empty_frame():
    frame = pd.DataFrame({"measure_id": [], "period_start": [], "value": []})
    points, summary = xmr_frame(frame)
    assert len(points) == 0 and len(summary) == 0


def _chart_points(rows: pd.DataFrame) -> list[dict]:
    """Batch rows as the plain dicts `result_from_points` reads (NA as None)."""

    def plain(value):
        return None if value is None or value is pd.NA or value != value else value

    out = []
    for row in rows.to_dict("records"):
        point = {key: plain(row[key]) for key in ("value", "point_type", "mean", *LIMIT_FIELDS)}
        point.update(
            index=int(row["index"]),
            group=int(row["group"]),
            ghost=bool(row["ghost"]),
            rules_high=list(row["rules_high"]),
            rules_low=list(row["rules_low"]),
        )
        out.append(point)
    return out


def test_chunky_rule_is_the_same_in_batch_and_in_its_text_alternative():
    series, options = _series()
    points, summary = xmr_frame(_frame(series), options_by_group=options)
    chunky = [measure for measure in series if options.get(measure, {}).get("chunky")]
    assert len(chunky) >= 10
    summaries = summary.set_index("measure_id").to_dict("index")
    warned = 0
    for measure in chunky:
        single = xmr(series[measure], **options[measure])
        rows = points[points["measure_id"] == measure].reset_index(drop=True)
        batch = result_from_points(_chart_points(rows), summaries[measure])
        args = ("Measure", "days", None, options[measure].get("improvement", "increase"))
        assert describe(batch, *args) == describe(single, *args), measure
        warned += any("chunky data" in w for w in single["warnings"])
    assert warned >= 8


def test_a_run_chart_by_design_says_so_not_that_points_are_few():
    """A measure declared a run chart (registry `signals`) is not "short of points"."""
    from orchestration.lib.spc.plan import RUN_CHART_ONLY

    values = [float(v) for v in range(40)]
    by_design = xmr(values, minimum_points=RUN_CHART_ONLY)
    short = xmr(values[:8])
    assert not by_design["spc_shown"] and not short["spc_shown"]
    assert by_design["warnings"] == ["a run chart by design: no process limits are drawn"]
    assert short["warnings"] == ["fewer than 13 points: shown as a run chart"]
