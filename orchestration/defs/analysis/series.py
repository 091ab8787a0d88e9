"""Chart series from the marts: measures (council geography) and case end-to-end times.

Pure pandas in, `charting.Series` out, so the assets stay thin and the logic is testable.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from orchestration.defs.analysis.charting import Series, complete_months
from orchestration.lib import annotations as notes_lib

IMPROVEMENT = {"higher": "increase", "lower": "decrease", "neutral": "neutral"}
STEP_MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12}
UNIT_TEXT = {
    "percent": "%",
    "days": "days",
    "rate_per_1000": "per 1,000",
    "per_100k": "per 100,000",
}
CASE_VIEW_LIMIT = 300  # most recent cases in the individual-cases chart, to keep it readable
CASE_SERIES_PREFIX = "case_e2e"

MEASURE_VALUES_SQL = """
    select measure_id, council_code, period_start, period_end, value, loaded_at
    from marts.fct_measure_values
    where geography_type = 'council' and geography_code = council_code
"""
DIM_MEASURES_SQL = """
    select measure_id, council_code, name, unit, polarity, frequency, target, spc_profile
    from marts.dim_measures
"""
CASES_SQL = """
    select council_code, service, case_type, received_date, completed_date,
        net_days as end_to_end_days
    from marts.fct_case_end_to_end
    where completed_date is not null and net_days is not null
"""
CASES_OF_SERIES_SQL = (
    CASES_SQL
    + f"    and '{CASE_SERIES_PREFIX}:' || service || ':' || case_type = any(%(series_ids)s)\n"
)


def case_series_id(service: str, case_type: str) -> str:
    """The id annotations and trials use for a service's case end-to-end charts."""
    return f"{CASE_SERIES_PREFIX}:{service}:{case_type}"


def _months_spanned(start, end) -> int:
    return (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1


def _number(value) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def measure_series(values: pd.DataFrame, measures: pd.DataFrame, annotations) -> list[Series]:
    """One series per measure x council that has values and a definition.

    Only rows whose period length matches the measure's frequency count; a period loaded twice
    keeps its latest load; periods missing between the first and last are ghosted.
    """
    definitions = {(r.measure_id, r.council_code): r for r in measures.itertuples(index=False)}
    out = []
    values = values.sort_values(["measure_id", "council_code", "period_start", "loaded_at"])
    for (measure_id, council_code), rows in values.groupby(
        ["measure_id", "council_code"], sort=True
    ):
        definition = definitions.get((measure_id, council_code))
        if definition is None:
            continue
        step = STEP_MONTHS.get(definition.frequency, 1)
        spans = [
            _months_spanned(s, e) for s, e in zip(rows.period_start, rows.period_end, strict=True)
        ]
        rows = rows[[span == step for span in spans]].drop_duplicates("period_start", keep="last")
        if rows.empty:
            continue
        periods, series_values = complete_months(
            list(rows.period_start), [_number(v) for v in rows.value], step
        )
        options, notes = notes_lib.chart_options(
            notes_lib.for_series(annotations, measure_id, council_code), periods
        )
        improvement = IMPROVEMENT.get(definition.polarity, "neutral")
        options.update(profile=definition.spc_profile or "mdc", improvement=improvement)
        target = _number(definition.target)
        if target is not None:
            options["target"] = target
        out.append(
            Series(
                key=(measure_id, council_code),
                periods=periods,
                values=series_values,
                name=definition.name or measure_id,
                unit=UNIT_TEXT.get(definition.unit, ""),
                improvement=improvement,
                options=options,
                notes=notes,
            )
        )
    return out


def _case_label(service: str, case_type: str) -> str:
    return f"{service.replace('_', ' ').capitalize()}: {case_type.replace('_', ' ')}"


def monthly_medians(cases: pd.DataFrame) -> pd.DataFrame:
    """Median end-to-end days per completion month: council_code, service, case_type,
    period_start (first of the month), value, cases."""
    frame = cases.assign(
        period_start=pd.to_datetime(cases["completed_date"])
        .dt.to_period("M")
        .dt.start_time.dt.date,
        end_to_end_days=cases["end_to_end_days"].astype(float),
    )
    grouped = frame.groupby(["council_code", "service", "case_type", "period_start"], sort=True)
    return grouped["end_to_end_days"].agg(value="median", cases="size").reset_index()


def case_series(cases: pd.DataFrame, annotations) -> tuple[list[Series], dict]:
    """Two charts per council x service x case type: the most recent cases in completion order
    ('case' view) and the monthly median ('month' view). Also returns the cases per point
    (key + index -> count) for the table's `cases` column."""
    out, counts = [], {}
    ordered = cases.sort_values(
        [
            "council_code",
            "service",
            "case_type",
            "completed_date",
            "received_date",
            "end_to_end_days",
        ],
        kind="stable",
    )
    monthly = monthly_medians(cases)
    for (council, service, case_type), rows in ordered.groupby(
        ["council_code", "service", "case_type"], sort=True
    ):
        recent = rows.tail(CASE_VIEW_LIMIT)
        chart_notes = notes_lib.for_series(annotations, case_series_id(service, case_type), council)
        label = _case_label(service, case_type)
        periods = [_as_date(d) for d in recent.completed_date]
        options, notes = notes_lib.chart_options(chart_notes, periods)
        key = (council, service, case_type, "case")
        out.append(
            Series(
                key=key,
                periods=periods,
                values=[float(v) for v in recent.end_to_end_days],
                name=f"{label}, end-to-end days per case (latest {len(recent)} cases)",
                unit="days",
                improvement="decrease",
                options={**options, "improvement": "decrease"},
                notes=notes,
            )
        )
        counts.update({(key, i): 1 for i in range(len(recent))})

        month_rows = monthly[
            (monthly.council_code == council)
            & (monthly.service == service)
            & (monthly.case_type == case_type)
        ]
        periods, values = complete_months(list(month_rows.period_start), list(month_rows.value))
        per_month = dict(zip(month_rows.period_start, month_rows.cases, strict=True))
        options, notes = notes_lib.chart_options(chart_notes, periods)
        key = (council, service, case_type, "month")
        out.append(
            Series(
                key=key,
                periods=periods,
                values=values,
                name=f"{label}, median end-to-end days by month completed",
                unit="days",
                improvement="decrease",
                options={**options, "improvement": "decrease"},
                notes=notes,
            )
        )
        counts.update({(key, i): int(per_month.get(p, 0)) for i, p in enumerate(periods)})
    return out, counts


def _as_date(value) -> dt.date:
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    return value
