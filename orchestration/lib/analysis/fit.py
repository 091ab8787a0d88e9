"""Which chart fits a measure's data, and the series it is drawn from.

A capability (XmR) chart assumes successive values are comparable: each a fresh reading of
the same process. Some measures are not, and the registry says so (config/measures/README,
docs/analysis.md "Which chart fits the data"):

- `signals: xmr` (the default): the values as they are.
- `signals: year_on_year`: each month's change from the same month a year earlier. For a
  running total for the financial year (`accumulation: year_to_date`: council tax collected
  climbs from about 8% in April to 98% in March, then starts again) and for a strongly
  seasonal series, the change on a year earlier is comparable month to month where the
  values are not. The first year has nothing to compare with and is not charted. A target
  applies to the values, not to their changes, so it is shown with the measure but not
  drawn on this chart or judged by it.
- `signals: none`: a run chart that reads no signal, with the registry's reason (a share of
  a handful of cases a period moves by whole cases, not by the process).

Chunky data (values recorded in steps too coarse for their variation) are caught for every
chart by the engine itself (analysis.signals).
"""

from __future__ import annotations

import datetime as dt
import math

from orchestration.lib.analysis.charting import Series, add_months, complete_months
from orchestration.lib.spc.plan import RUN_CHART_ONLY

IMPROVEMENT = {"higher": "increase", "lower": "decrease", "neutral": "neutral"}
STEP_MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12}
UNIT_TEXT = {
    "percent": "%",
    "days": "days",
    "rate_per_1000": "per 1,000",
    "per_100k": "per 100,000",
}
CHANGE_UNIT_TEXT = {**UNIT_TEXT, "percent": "percentage points"}
RUNNING_TOTAL_REASON = "the figure is a running total for the financial year, from April"
# More than any series holds: the engine then draws a run chart with no limits or signals.
NO_LIMITS = {"minimum_points": RUN_CHART_ONLY}


def _number(value) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _text(value) -> str | None:
    """Registry text as read by pandas: a missing value may come as None or NaN."""
    return value if isinstance(value, str) and value else None


def year_on_year(periods: list[dt.date], values: list) -> tuple[list, list]:
    """Each month from the thirteenth on, as its change from the same month a year earlier
    (None where either is missing). `periods` are consecutive months."""
    by_period = dict(zip(periods, values, strict=True))
    out_periods, out_values = [], []
    for period, value in zip(periods, values, strict=True):
        a_year_earlier = add_months(period, -12)
        if a_year_earlier < periods[0]:
            continue
        earlier = by_period.get(a_year_earlier)
        out_periods.append(period)
        out_values.append(None if value is None or earlier is None else value - earlier)
    return out_periods, out_values


def measure_chart(definition, periods: list, values: list, notes_for) -> Series:
    """The chart of one measure x council: `definition` has the registry's columns (name,
    unit, polarity, frequency, target, spc_profile, accumulation, signals, signals_reason);
    `periods`/`values` are its values in period order (missing periods may be absent);
    `notes_for(periods) -> (options, notes)` gives the recorded annotations' chart options and
    notes for the periods charted."""
    frequency = definition.frequency or "monthly"
    periods, values = complete_months(periods, values, STEP_MONTHS.get(frequency, 1))
    improvement = IMPROVEMENT.get(definition.polarity, "neutral")
    signals = _text(getattr(definition, "signals", None)) or "xmr"
    reason = _text(getattr(definition, "signals_reason", None))
    if _text(getattr(definition, "accumulation", None)) == "year_to_date" and not reason:
        reason = RUNNING_TOTAL_REASON
    target = _number(definition.target)
    name, unit, method, no_signals = definition.name, UNIT_TEXT.get(definition.unit, ""), None, None
    extra = {}
    if signals == "year_on_year":
        periods, values = year_on_year(periods, values)
        name = f"{definition.name}, change on the same month a year earlier"
        unit = CHANGE_UNIT_TEXT.get(definition.unit, "")
        method = (
            "Each point is the change from the same month a year earlier, not the figure "
            f"itself, because {reason}"
        )
        target = None
    elif signals == "none":
        no_signals = reason
        extra = NO_LIMITS
    chart_options, chart_notes = notes_for(periods)
    chart_options = {**chart_options, **extra}
    chart_options.update(profile=definition.spc_profile or "mdc", improvement=improvement)
    if target is not None:
        chart_options["target"] = target
    return Series(
        key=(definition.measure_id, definition.council_code),
        periods=periods,
        values=values,
        name=name,
        unit=unit,
        improvement=improvement,
        options=chart_options,
        notes=chart_notes,
        frequency=frequency,
        target=target,
        no_signals=no_signals,
        method=method,
    )
