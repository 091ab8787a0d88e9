"""What an officer sees while writing commentary, and a manager while reviewing it: the
measure's definition, its capability chart, its recent values, its target with where that
comes from, the neighbours' figures where published, and (for a calculated measure) the figure
commented on. One function builds it for the entry form, the review page and the measure page
(template officer/_measure_context.html), so they never disagree.

Reads marts.dim_measures, marts.fct_measure_values (council rows), analysis.measure_icons,
analysis.measure_spc and marts.fct_neighbour_comparison; each is optional (a warehouse not yet
built shows the sections it has).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection

from orchestration.lib import neighbours
from orchestration.lib.publishing.format import target_text
from webapp.officer import dashboard, names, roles, workflow
from webapp.officer.models import Commentary, ManualValue, Measure, MeasureIcon
from webapp.officer.tables import table_exists

RECENT_VALUES = 12


@dataclass
class PastValue:
    period: str
    value: str
    status: str


@dataclass
class MeasureContext:
    measure: Measure
    council: str
    definition: str = ""
    numerator_definition: str = ""
    denominator_definition: str = ""
    unit: str = ""
    polarity: str = ""
    frequency: str = ""
    target: str = ""
    chart_src: str | None = None
    chart_text: str = ""
    usual_range: str = ""
    limits: tuple | None = None  # (lower, upper) of the chart's latest usual limits
    recent: list[PastValue] = field(default_factory=list)
    period: str = ""
    # A calculated measure's own figure for the period commented on ("" for manual measures).
    figure: str = ""
    figure_missing: bool = False
    comparison: neighbours.Comparison | None = None


def _rows(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _registry_row(measure: Measure) -> dict:
    """marts.dim_measures' whole row (definitions, target and where it comes from)."""
    found = _rows(
        "select * from marts.dim_measures where measure_id = %s and council_code = %s",
        [measure.measure_id, measure.council_code],
    )
    return found[0] if found else {}


def _limits(measure: Measure) -> tuple | None:
    """The latest usual limits (lower, upper) of the measure's capability chart."""
    if not table_exists("analysis.measure_spc"):
        return None
    found = _rows(
        "select lpl, upl from analysis.measure_spc where measure_id = %s and council_code = %s "
        "and not ghost and lpl is not null and upl is not null "
        "order by period_start desc limit 1",
        [measure.measure_id, measure.council_code],
    )
    return (found[0]["lpl"], found[0]["upl"]) if found else None


def _council_values(measure: Measure, up_to: date | None) -> list[dict]:
    """The council's own figures (not its wards or neighbours), newest first."""
    if not table_exists("marts.fct_measure_values"):
        return []
    return _rows(
        "select period_start, value, status from marts.fct_measure_values "
        "where measure_id = %s and council_code = %s and geography_type = 'council' "
        "and geography_code = council_code and (%s::date is null or period_start <= %s::date) "
        "order by period_start desc limit %s",
        [measure.measure_id, measure.council_code, up_to, up_to, RECENT_VALUES],
    )


STATUS_WORDS = {"provisional": "Provisional", "final": "Final", "revised": "Revised"}


def _comparison(measure: Measure) -> neighbours.Comparison | None:
    comparison_id = neighbours.MEASURE_COMPARISONS.get(measure.measure_id)
    if comparison_id is None or not table_exists("marts.fct_neighbour_comparison"):
        return None
    rows = _rows(
        "select * from marts.fct_neighbour_comparison where comparison_id = %s",
        [comparison_id],
    )
    if not rows:
        return None
    sources = neighbours.source_labels()
    for row in rows:
        row["source"] = sources.get(row.get("source_table"), "")
    found = neighbours.comparisons(rows, measure.council_code)
    return found[0] if found else None


def measure_context(measure: Measure, start: date | None = None) -> MeasureContext:
    """Everything shown beside the commentary of `measure` for the period starting `start`
    (None: the measure's page, up to its latest figure)."""
    row = _registry_row(measure)
    unit = measure.unit
    found = MeasureContext(
        measure=measure,
        council=names.council_name(measure.council_code),
        definition=row.get("definition") or measure.definition or "",
        numerator_definition=row.get("numerator_definition") or "",
        denominator_definition=row.get("denominator_definition") or "",
        unit=names.unit_text(unit),
        polarity=names.polarity_text(measure.polarity),
        frequency=names.frequency_text(measure.frequency),
        target=target_text({"target": measure.target, "unit": unit, **row}),
        period=names.period_text(start, measure.frequency) if start else "",
    )
    icon = None
    if table_exists("analysis.measure_icons"):
        icon = MeasureIcon.objects.filter(
            measure_id=measure.measure_id, council_code=measure.council_code
        ).first()
    if icon is not None and icon.chart_svg:
        found.chart_src = dashboard.chart_src(icon.chart_svg)
        found.chart_text = icon.text_alternative or f"Capability chart of {measure.name}"
    found.limits = _limits(measure)
    if found.limits:
        lower, upper = found.limits
        found.usual_range = (
            f"{names.format_value(lower, unit)} to {names.format_value(upper, unit)}"
        )
    values = _council_values(measure, start)
    found.recent = [
        PastValue(
            period=names.period_text(v["period_start"], measure.frequency),
            value=names.format_value(v["value"], unit),
            status=STATUS_WORDS.get(v["status"] or "", ""),
        )
        for v in values
    ]
    if start is not None and not measure.is_manual:
        this = [v for v in values if v["period_start"] == start]
        if this and this[0]["value"] is not None:
            found.figure = names.format_value(this[0]["value"], unit)
        else:
            found.figure_missing = True
    found.comparison = _comparison(measure)
    return found


def value_text(value: ManualValue | None, measure: Measure) -> str:
    """An entered value as people read it, with its numerator and denominator."""
    if value is None:
        return ""
    text = names.format_value(value.value, measure.unit)
    if value.numerator is not None and value.denominator is not None:
        parts = (names.format_value(v, "count") for v in (value.numerator, value.denominator))
        text += " ({} of {})".format(*parts)
    return text


@dataclass
class ReviewItem:
    """One submission waiting for a manager, and whether this manager may confirm it."""

    measure: Measure
    commentary: Commentary
    value: ManualValue | None
    may_confirm: bool
    council: str = ""
    period: str = ""
    value_text: str = ""

    @property
    def key(self) -> str:
        c = self.commentary
        return f"{c.council_code}|{c.measure_id}|{c.period_start:%Y-%m-%d}"


def review_queue(user) -> list[ReviewItem]:
    """Submitted input for the measures this person manages, oldest period first."""
    if not table_exists("marts.dim_measures"):
        return []
    managed = {(m.measure_id, m.council_code): m for m in roles.managed_measures(user)}
    if not managed:
        return []
    submitted = Commentary.objects.filter(status="submitted").order_by("period_start")
    items = []
    for commentary in submitted:
        measure = managed.get((commentary.measure_id, commentary.council_code))
        if measure is None:
            continue
        _, value = workflow.current(measure, commentary.period_start)
        items.append(
            ReviewItem(
                measure=measure,
                commentary=commentary,
                value=value,
                may_confirm=workflow.may_confirm(commentary, value, user.username),
                council=names.council_name(measure.council_code),
                period=names.period_text(commentary.period_start, measure.frequency),
                value_text=value_text(value, measure),
            )
        )
    return items


def unusual_limits(context: MeasureContext) -> tuple[Decimal, Decimal] | None:
    """The limits the entry form checks a typed value against."""
    if not context.limits:
        return None
    return tuple(Decimal(str(limit)) for limit in context.limits)
