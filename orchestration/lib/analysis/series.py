"""Chart series from the marts: measures (council geography) and case end-to-end times.

Pure pandas in, `charting.Series` out, so the assets stay thin and the logic is testable.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from orchestration.lib.analysis import annotations as notes_lib
from orchestration.lib.analysis.charting import Series, complete_months
from orchestration.lib.analysis.fit import STEP_MONTHS, measure_chart

CASE_VIEW_LIMIT = 300  # most recent cases in the individual-cases chart, to keep it readable
CASE_SERIES_PREFIX = "case_e2e"

MEASURE_VALUES_SQL = """
    select measure_id, council_code, period_start, period_end, value, loaded_at
    from marts.fct_measure_values
    where geography_type = 'council' and geography_code = council_code
"""
DIM_MEASURES_SQL = """
    select measure_id, council_code, name, unit, polarity, frequency, target, spc_profile,
        accumulation, signals, signals_reason
    from marts.dim_measures
"""
# The case charts read completed cases as counts per completion month and end-to-end days
# (enough for exact medians), then only the cases of the latest months that hold each
# chart's most recent CASE_VIEW_LIMIT: not every completed case (1.4 M at scale 10).
# Days measured from times are fractional, nearly one value per case: rounded to the hour
# here, so the counts stay a few hundred values a month and the medians exact to the hour
# (whole days, from dates only, are unchanged).
CASE_DAYS_SQL = f"""
    select council_code, service, case_type,
        cast(date_trunc('month', completed_date) as date) as period_start,
        round(net_days * 24) / 24 as end_to_end_days, count(*) as cases
    from marts.fct_case_end_to_end
    where completed_date is not null and net_days is not null
        and (cast(%(series_ids)s as text[]) is null
            or '{CASE_SERIES_PREFIX}:' || service || ':' || case_type = any(%(series_ids)s))
    group by council_code, service, case_type, date_trunc('month', completed_date),
        round(net_days * 24) / 24
"""
RECENT_CASES_SQL = """
    select c.council_code, c.service, c.case_type, c.received_date, c.completed_date,
        c.net_days as end_to_end_days
    from marts.fct_case_end_to_end as c
    inner join unnest(
        cast(%(councils)s as text[]), cast(%(services)s as text[]),
        cast(%(case_types)s as text[]), cast(%(completed_from)s as date[])
    ) as recent (council_code, service, case_type, completed_from)
        using (council_code, service, case_type)
    where c.completed_date >= recent.completed_from and c.net_days is not null
"""


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
    keeps its latest load; periods missing between the first and last are ghosted. The chart
    that fits each measure's data (its values, their change on a year earlier, or a run chart)
    is analysis.fit's.
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
        chart_notes = notes_lib.for_series(annotations, measure_id, council_code)
        out.append(
            measure_chart(
                definition,
                list(rows.period_start),
                [_number(v) for v in rows.value],
                lambda periods, found=chart_notes: notes_lib.chart_options(found, periods),
            )
        )
    return out


def _case_label(service: str, case_type: str) -> str:
    return f"{service.replace('_', ' ').capitalize()}: {case_type.replace('_', ' ')}"


SERIES_KEY = ["council_code", "service", "case_type"]


def monthly_medians(days: pd.DataFrame) -> pd.DataFrame:
    """Median end-to-end days per completion month from CASE_DAYS_SQL's counts: council_code,
    service, case_type, period_start (first of the month), value, cases."""
    out = []
    ordered = days.sort_values([*SERIES_KEY, "period_start", "end_to_end_days"])
    for key, rows in ordered.groupby([*SERIES_KEY, "period_start"], sort=True):
        values = rows["end_to_end_days"].to_numpy(dtype=float)
        reached = rows["cases"].to_numpy().cumsum()  # cases up to and including each value
        total = int(reached[-1])
        middle = values[np.searchsorted(reached, [(total - 1) // 2 + 1, total // 2 + 1])]
        out.append((*key, float(middle.mean()), total))
    return pd.DataFrame(out, columns=[*SERIES_KEY, "period_start", "value", "cases"])


def recent_months(days: pd.DataFrame, limit: int = CASE_VIEW_LIMIT) -> pd.DataFrame:
    """Per chart, the earliest completion month among its latest `limit` cases (the month
    from which RECENT_CASES_SQL reads): council_code, service, case_type, completed_from."""
    per_month = days.groupby([*SERIES_KEY, "period_start"], sort=True)["cases"].sum()
    out = []
    for key, counts in per_month.groupby(level=[0, 1, 2], sort=True):
        newest_first = counts.iloc[::-1]
        reached = newest_first.cumsum().to_numpy()
        index = min(int(np.searchsorted(reached, limit)), len(reached) - 1)
        out.append((*key, newest_first.index[index][3]))
    return pd.DataFrame(out, columns=[*SERIES_KEY, "completed_from"])


def case_series(recent: pd.DataFrame, days: pd.DataFrame, annotations) -> tuple[list[Series], dict]:
    """Two charts per council x service x case type: the most recent cases in completion order
    ('case' view, from `recent`: RECENT_CASES_SQL's rows) and the monthly median ('month' view,
    from `days`: CASE_DAYS_SQL's counts). Also returns the cases per point (key + index ->
    count) for the table's `cases` column."""
    out, counts = [], {}
    ordered = recent.sort_values(
        [*SERIES_KEY, "completed_date", "received_date", "end_to_end_days"], kind="stable"
    )
    monthly = monthly_medians(days)
    for (council, service, case_type), rows in ordered.groupby(SERIES_KEY, sort=True):
        latest = rows.tail(CASE_VIEW_LIMIT)
        chart_notes = notes_lib.for_series(annotations, case_series_id(service, case_type), council)
        label = _case_label(service, case_type)
        periods = [_as_date(d) for d in latest.completed_date]
        options, notes = notes_lib.chart_options(chart_notes, periods)
        key = (council, service, case_type, "case")
        out.append(
            Series(
                key=key,
                periods=periods,
                values=[float(v) for v in latest.end_to_end_days],
                name=f"{label}, end-to-end days per case (latest {len(latest)} cases)",
                unit="days",
                improvement="decrease",
                options={**options, "improvement": "decrease"},
                notes=notes,
                frequency="daily",  # each point is a case, named by the day it completed
            )
        )
        counts.update({(key, i): 1 for i in range(len(latest))})

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
                frequency="monthly",
            )
        )
        counts.update({(key, i): int(per_month.get(p, 0)) for i, p in enumerate(periods)})
    return out, counts


def _as_date(value) -> dt.date:
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    return value
