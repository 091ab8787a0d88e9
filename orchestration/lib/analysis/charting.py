"""Many capability charts at once: series in, chart points and one icons row per series out.

The arithmetic is the batch path (`spc.batch.xmr_frame`, identical to `spc.xmr` per series);
this module only lays series out, fills missing periods (a missing period is ghosted:
tests/fixtures/spc/README.md, decision A.9), adds the published-chart options (chunky data
show no special cause: analysis.signals), and turns each series' rows into the text
alternative and the accessible SVG.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd

from orchestration.lib.analysis.signals import published
from orchestration.lib.spc.batch import xmr_frame
from orchestration.lib.spc.charts import describe, render_svg, result_from_points

SERIES = "series"
LIMIT_COLUMNS = ("mean", "upl", "lpl", "upper_two_sigma", "lower_two_sigma")


@dataclass
class Series:
    """One chart: its points in time order and how to draw and judge it."""

    key: tuple  # identifying columns, in the order of the output table's key
    periods: list
    values: list
    name: str
    unit: str = ""
    improvement: str = "increase"
    options: dict = field(default_factory=dict)  # xmr options (profile, target, recalc, ...)
    notes: list[dict] = field(default_factory=list)  # recorded annotations to draw
    frequency: str | None = None  # names the periods; by default their spacing shows it
    target: float | None = None  # drawn and read out
    no_signals: str | None = None  # why this chart deliberately reads no signal
    method: str | None = None  # what it plots when not the values themselves


def add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def complete_months(periods: list, values: list, step: int = 1) -> tuple[list, list]:
    """Every period from the first to the last (step months apart); missing ones as None."""
    if not periods:
        return [], []
    by_period = dict(zip(periods, values, strict=True))
    out_periods, current = [], periods[0]
    while current <= periods[-1]:
        out_periods.append(current)
        current = add_months(current, step)
    return out_periods, [by_period.get(p) for p in out_periods]


def _plain(value):
    """pandas/numpy scalars to plain Python; NA/NaN to None."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


def run(series: list[Series]) -> tuple[list[dict], list[dict]]:
    """Chart every series with one batch call.

    Returns (points, icons): points are dicts with the series key, `period_start`, `index`,
    value, partition, ghost, the limits, rules (comma-separated) and point_type; icons are one
    dict per series with icons, n, latest and previous values, warnings, text alternative and
    chart SVG.
    """
    if not series:
        return [], []
    ids = [f"{i:08d}" for i in range(len(series))]
    frame = pd.DataFrame(
        {
            SERIES: [sid for sid, s in zip(ids, series, strict=True) for _ in s.values],
            "period_start": [p for s in series for p in s.periods],
            "position": [i for s in series for i in range(len(s.values))],
            "value": pd.array([_float(v) for s in series for v in s.values], dtype="Float64"),
        }
    )
    # every chart here is published: chunky data show no special cause (analysis.signals)
    options = {sid: published(s.options) for sid, s in zip(ids, series, strict=True)}
    points_df, summary_df = xmr_frame(frame, by=SERIES, order="position", options_by_group=options)
    summaries = summary_df.set_index(SERIES).to_dict("index")
    point_rows = points_df.to_dict("records")

    points_out, icons_out = [], []
    start = 0
    for sid, item in zip(ids, series, strict=True):
        rows = point_rows[start : start + len(item.values)]
        start += len(item.values)
        chart_points = [_chart_point(row) for row in rows]
        summary = summaries[sid]
        result = result_from_points(chart_points, summary)
        for point in chart_points:
            points_out.append(
                {
                    "key": item.key,
                    "period_start": item.periods[point["index"]],
                    "index": point["index"],
                    "value": point["value"],
                    "partition": point["group"],
                    "ghost": point["ghost"],
                    **{column: point[column] for column in LIMIT_COLUMNS},
                    "rules_high": ",".join(point["rules_high"]),
                    "rules_low": ",".join(point["rules_low"]),
                    "point_type": point["point_type"],
                }
            )
        icons_out.append(_icons_row(item, result, summary))
    return points_out, icons_out


def _float(value):
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _chart_point(row: dict) -> dict:
    return {
        "index": int(row["index"]),
        "value": _plain(row["value"]),
        "group": int(row["group"]),
        "ghost": bool(row["ghost"]),
        "rules_high": list(row["rules_high"]),
        "rules_low": list(row["rules_low"]),
        "point_type": _plain(row["point_type"]),
        **{column: _plain(row[column]) for column in LIMIT_COLUMNS},
    }


def _icons_row(item: Series, result: dict, summary: dict) -> dict:
    live = [p for p in result["points"] if not p["ghost"]]
    latest = live[-1] if live else None
    previous = live[-2] if len(live) > 1 else None
    args = (result, item.name, item.unit, item.periods, item.improvement)
    how = {
        "annotations": item.notes,
        "frequency": item.frequency,
        "target": item.target,
        "no_signals": item.no_signals,
        "method": item.method,
    }
    return {
        "key": item.key,
        "variation_icon": summary["variation_icon"],
        "assurance_icon": summary["assurance_icon"],
        "spc_shown": bool(summary["spc_shown"]),
        "n": int(summary["n"]),
        "latest_period_start": item.periods[latest["index"]] if latest else None,
        "latest_value": latest["value"] if latest else None,
        "previous_value": previous["value"] if previous else None,
        "warnings": "; ".join(summary["warnings"]),
        "no_signal_reason": no_signal_reason(summary, item.no_signals),
        "text_alternative": describe(*args, **how),
        "chart_svg": render_svg(*args, **how),
    }


def no_signal_reason(summary: dict, declared: str | None = None) -> str | None:
    """Why a chart shows no variation icon, in a few plain words (None when it shows one)."""
    if summary["variation_icon"]:
        return None
    if declared:
        return declared
    if any("chunky data" in warning for warning in summary["warnings"]):
        return "recorded in steps too coarse for its variation"
    if not summary["spc_shown"]:
        return "too few points for process limits yet"
    return "no latest value to read"
