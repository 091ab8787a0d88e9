"""What the Dashboard shows: a view (filters, which measures, layout) read from the URL, the
filter options by name, and the rows of the view with plain values, read in one query.

A view is wholly described by its URL query (council, purpose, service, team, ward, locality,
show, layout, charts), so every view can be bookmarked, saved (SavedView.filters holds the same
keys) and exported. Measures, purposes and icons are read with SQL rather than the ORM because
the page needs columns the app's read-only models do not carry (dim_measures.breakdowns,
measure_icons.no_signal_reason) and one query is cheaper than three.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import connection

from webapp.officer import names
from webapp.officer.models import SavedView

FILTER_KEYS = ("council", "purpose", "service", "team", "ward", "locality")
FILTER_LABELS = {
    "council": "Council",
    "purpose": "Purpose",
    "service": "Service",
    "team": "Team",
    "ward": "Ward",
    "locality": "Locality",
}
SHOW = {
    "mine": "Your measures",
    "key": "Key measures",
    "all": "All measures",
}
LAYOUTS = {"list": "One row per measure and council", "side": "The two councils side by side"}
VIEW_KEYS = (*FILTER_KEYS, "show", "layout", "charts")
PAGE_SIZE = 25
# A view of up to this many measures shows their charts under the table; a larger one leaves
# them on the measure pages unless asked for (charts=1), because each chart is about 12 kB.
CHARTS_UP_TO = 10
COUNCIL_ORDER = ("E07000234", "E07000236")
NAMERS = {"service_area": names.service_name, "team": names.team_name}


def table_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("select to_regclass(%s) is not null", [name])
        return cursor.fetchone()[0]


def chart_src(svg: str | None) -> str | None:
    """A chart SVG as a data: URL for an <img>: scripts in it can never run."""
    if not svg:
        return None
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _query(sql: str, params=None) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


@dataclass(frozen=True)
class Area:
    """A ward or locality chosen in the filters."""

    kind: str  # ward | locality
    code: str
    name: str
    council_code: str | None

    @property
    def label(self) -> str:
        if self.council_code:
            return f"{self.name} ({names.council_short_name(self.council_code)})"
        return self.name


@dataclass
class View:
    filters: dict[str, str]
    show: str
    layout: str
    charts: str = ""  # "" (automatic), "1" (always), "0" (never)
    saved_name: str | None = None  # the default saved view it came from, if any
    area: Area | None = None

    def params(self, **changes) -> dict[str, str]:
        """The view's URL parameters (with changes; None removes one)."""
        found = dict(self.filters)
        found["show"] = self.show
        if self.layout != "list":
            found["layout"] = self.layout
        if self.charts:
            found["charts"] = self.charts
        for key, value in changes.items():
            if value in (None, ""):
                found.pop(key, None)
            else:
                found[key] = value
        return {key: found[key] for key in VIEW_KEYS if key in found}

    def querystring(self, **changes) -> str:
        return urlencode(self.params(**changes))


def default_show(user) -> str:
    """Officers and managers land on their own measures; everyone else on the key measures."""
    return "mine" if _assigned(user) else "key"


def _assigned(user) -> bool:
    from webapp.officer.models import MeasureAssignment, PurposeDirector

    return (
        MeasureAssignment.objects.filter(user=user).exists()
        or PurposeDirector.objects.filter(user=user).exists()
    )


def read_view(params, user, use_default: bool = True) -> View:
    """The view a request asks for; with no view in the URL, the user's default saved view
    (unless use_default is false), or else their own measures (or the key measures when they
    own none)."""
    chosen = {key: params.get(key, "") for key in VIEW_KEYS if params.get(key)}
    saved_name = None
    if "all" in params:  # the old "Show all" link
        chosen.setdefault("show", "all")
    if not chosen and use_default:
        default = SavedView.objects.filter(user=user, is_default=True).first()
        if default is not None:
            chosen = {k: str(v) for k, v in default.filters.items() if k in VIEW_KEYS and v}
            saved_name = default.name
    show = chosen.get("show")
    if show not in SHOW:
        show = default_show(user)
    layout = chosen.get("layout") if chosen.get("layout") in LAYOUTS else "list"
    charts = chosen.get("charts") if chosen.get("charts") in ("0", "1") else ""
    filters = {key: chosen[key] for key in FILTER_KEYS if chosen.get(key)}
    view = View(filters, show, layout, charts, saved_name)
    for kind in ("ward", "locality"):
        if kind not in filters:
            continue
        view.area = find_area(kind, filters[kind])
        if view.area is None:  # not an area we know: drop it rather than show nothing
            filters.pop(kind)
            continue
        if kind == "ward":  # one area at a time: a ward wins over a locality
            filters.pop("locality", None)
        break
    return view


def find_area(kind: str, code: str) -> Area | None:
    if table_exists("marts.dim_geography"):
        rows = _query(
            "select geography_code, geography_name, council_code from marts.dim_geography "
            "where geography_type = %(kind)s and geography_code = %(code)s",
            {"kind": kind, "code": code},
        )
        if rows:
            row = rows[0]
            return Area(kind, code, row["geography_name"] or code, row["council_code"])
    if kind == "locality" and table_exists("marts.dim_measures"):
        # A locality named only on the measures themselves (dim_measures.locality).
        if _query("select 1 from marts.dim_measures where locality = %(code)s", {"code": code}):
            return Area(kind, code, code, None)
    return None


# Filter options: each once, by name.


@dataclass
class Options:
    council: list[tuple[str, str]] = field(default_factory=list)
    purpose: list[tuple[str, str]] = field(default_factory=list)
    service: list[tuple[str, str]] = field(default_factory=list)
    team: list[tuple[str, str]] = field(default_factory=list)
    # Wards and localities grouped by council: [(council name, [(code, name), ...]), ...]
    ward: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    locality: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)


def _named(codes, name) -> list[tuple[str, str]]:
    """(code, name) once per name: codes that read the same ("Housing", "housing") are one
    option, which filters by all of them (_same_name)."""
    found: dict[str, str] = {}
    for code in sorted(c for c in set(codes) if c):
        found.setdefault(name(code), code)
    return sorted(((code, label) for label, code in found.items()), key=lambda o: o[1])


def _same_name(column: str, chosen: str) -> list[str]:
    """Every code of the column (service_area, team) that reads as the chosen one does."""
    name = NAMERS[column]
    codes = _query(f"select distinct {column} as code from marts.dim_measures")  # noqa: S608
    return sorted({c["code"] for c in codes if c["code"] and name(c["code"]) == name(chosen)})


def _grouped(rows: list[dict]) -> list[tuple[str, list[tuple[str, str]]]]:
    groups: dict[str, dict[str, str]] = {}
    for row in rows:
        council = names.council_short_name(row["council_code"]) if row["council_code"] else ""
        groups.setdefault(council or "Other areas", {}).setdefault(
            row["code"], row["name"] or row["code"]
        )
    return [
        (council, sorted(areas.items(), key=lambda a: a[1]))
        for council, areas in sorted(groups.items())
    ]


def options() -> Options:
    measures = _query(
        "select distinct council_code, purpose_code, service_area, team, locality "
        "from marts.dim_measures"
    )
    found = Options(
        council=sorted(
            {(m["council_code"], names.council_name(m["council_code"])) for m in measures},
            key=lambda o: o[1],
        ),
        service=_named((m["service_area"] for m in measures), names.service_name),
        team=_named((m["team"] for m in measures), names.team_name),
    )
    used = {m["purpose_code"] for m in measures if m["purpose_code"]}
    if table_exists("marts.dim_purposes"):
        purposes = _query(
            "select purpose_code, purpose_name from marts.dim_purposes "
            "order by sort_order nulls last, purpose_name"
        )
        found.purpose = [
            (p["purpose_code"], p["purpose_name"]) for p in purposes if p["purpose_code"] in used
        ]
        used -= {p["purpose_code"] for p in purposes}
    found.purpose += _named(used, names.readable)
    areas = []
    if table_exists("marts.dim_geography"):
        areas = _query(
            "select geography_type as kind, geography_code as code, geography_name as name, "
            "council_code from marts.dim_geography where geography_type in ('ward', 'locality')"
        )
    known = {a["code"] for a in areas if a["kind"] == "locality"}
    areas += [
        {"kind": "locality", "code": m["locality"], "name": m["locality"], "council_code": None}
        for m in measures
        if m["locality"] and m["locality"] not in known
    ]
    found.ward = _grouped([a for a in areas if a["kind"] == "ward"])
    found.locality = _grouped([a for a in areas if a["kind"] == "locality"])
    return found


def filter_fields(view: View, found: Options) -> list[tuple[str, str, list]]:
    """(key, label, [(group, [(value, name, selected), ...]), ...]) of each filter that has
    options; the council filter is left out side by side, which shows both councils."""
    fields = []
    for key in FILTER_KEYS:
        if key == "council" and view.layout == "side":
            continue
        chosen = view.filters.get(key, "")
        if key in ("ward", "locality"):
            groups = [
                (group, [(code, name, code == chosen) for code, name in areas])
                for group, areas in getattr(found, key)
            ]
        else:
            groups = [("", [(code, name, code == chosen) for code, name in getattr(found, key)])]
        if any(choices for _group, choices in groups):
            fields.append((key, FILTER_LABELS[key], groups))
    return fields


# The rows of a view.


@dataclass
class Row:
    """One measure of one council, as the Dashboard and the exports show it."""

    measure_id: str
    council_code: str
    name: str
    purpose: str
    service: str
    team: str
    unit: str
    frequency: str
    value: float | None
    value_text: str
    period_text: str
    variation_text: str
    assurance_text: str
    concern: bool
    has_chart: bool
    area_value: float | None = None
    area_value_text: str = ""
    area_period_text: str = ""

    @property
    def council(self) -> str:
        return names.council_name(self.council_code)

    @property
    def council_short(self) -> str:
        return names.council_short_name(self.council_code)


def _row_sql(view: View, user) -> tuple[str, dict]:
    icons = table_exists("analysis.measure_icons")
    purposes = table_exists("marts.dim_purposes")
    select = [
        "m.measure_id, m.council_code, m.name, m.purpose_code, m.service_area, m.team, "
        "m.unit, m.frequency, m.breakdowns, m.locality, m.target"
    ]
    joins = []
    if purposes:
        select.append("p.purpose_name, p.sort_order")
        joins.append("left join marts.dim_purposes as p on p.purpose_code = m.purpose_code")
    else:
        select.append("null as purpose_name, null as sort_order")
    if icons:
        select.append(
            "i.variation_icon, i.assurance_icon, i.latest_period_start, i.latest_value, "
            "i.no_signal_reason, coalesce(i.chart_svg, '') <> '' as has_chart"
        )
        joins.append(
            "left join analysis.measure_icons as i "
            "on i.measure_id = m.measure_id and i.council_code = m.council_code"
        )
    else:
        select.append(
            "null as variation_icon, null as assurance_icon, null as latest_period_start, "
            "null as latest_value, null as no_signal_reason, false as has_chart"
        )
    where, params = [], {}
    if "council" in view.filters and view.layout != "side":
        where.append("m.council_code = %(council)s")
        params["council"] = view.filters["council"]
    if "purpose" in view.filters:
        where.append("m.purpose_code = %(purpose)s")
        params["purpose"] = view.filters["purpose"]
    for key, column in (("service", "service_area"), ("team", "team")):
        if key in view.filters:
            where.append(f"m.{column} = any(%({key})s)")
            params[key] = _same_name(column, view.filters[key]) or [view.filters[key]]
    if view.area is not None and view.layout != "side":
        if view.area.council_code:
            where.append("(m.council_code = %(area_council)s or m.locality = %(area)s)")
            params["area_council"] = view.area.council_code
        else:
            where.append("m.locality = %(area)s")
        params["area"] = view.area.code
    if view.show == "key":
        where.append("m.is_key")
    elif view.show == "mine":
        where.append(
            "((m.measure_id, m.council_code) in (select measure_id, council_code "
            'from "input"."measure_assignments" where user_id = %(user)s) '
            'or m.purpose_code in (select purpose_code from "input"."purpose_directors" '
            "where user_id = %(user)s))"
        )
        params["user"] = user.pk
    sql = (
        f"select {', '.join(select)} from marts.dim_measures as m {' '.join(joins)} "
        f"{'where ' + ' and '.join(where) if where else ''} "
        "order by sort_order nulls last, m.name, m.council_code"
    )
    return sql, params


def _area_values(area: Area) -> dict[tuple[str, str], dict]:
    """Each measure's latest value for the area (ward or locality), where it has one."""
    if not table_exists("marts.fct_measure_values"):
        return {}
    rows = _query(
        "select distinct on (measure_id, council_code) measure_id, council_code, "
        "period_start, value from marts.fct_measure_values "
        "where geography_type = %(kind)s and geography_code = %(code)s "
        "order by measure_id, council_code, period_start desc",
        {"kind": area.kind, "code": area.code},
    )
    return {(r["measure_id"], r["council_code"]): r for r in rows}


def _number(value) -> float | None:
    return None if value is None else float(value)


def rows(view: View, user) -> list[Row]:
    """Every measure of the view (all pages), in purpose order, with plain values."""
    sql, params = _row_sql(view, user)
    found = _query(sql, params)
    area_values = _area_values(view.area) if view.area and view.layout != "side" else {}
    out = []
    for m in found:
        row = Row(
            measure_id=m["measure_id"],
            council_code=m["council_code"],
            name=m["name"],
            purpose=m["purpose_name"] or names.readable(m["purpose_code"]),
            service=names.service_name(m["service_area"]),
            team=names.team_name(m["team"]),
            unit=m["unit"],
            frequency=m["frequency"],
            value=_number(m["latest_value"]),
            value_text=names.format_value(m["latest_value"], m["unit"]),
            period_text=names.period_text(m["latest_period_start"], m["frequency"]),
            variation_text=names.signal_text(
                m["variation_icon"], m["no_signal_reason"], bool(m["has_chart"])
            ),
            assurance_text=names.assurance_text(m["assurance_icon"])
            or ("No target" if m["target"] is None else "Not assessed against the target yet"),
            concern=names.is_concern(m["variation_icon"]),
            has_chart=bool(m["has_chart"]),
        )
        if view.area is not None and view.layout != "side":
            _add_area_value(row, m, view.area, area_values)
        out.append(row)
    return out


def _add_area_value(row: Row, measure: dict, area: Area, found: dict) -> None:
    value = found.get((row.measure_id, row.council_code))
    breakdowns = set((measure["breakdowns"] or "").split(","))
    if value is not None:
        row.area_value = _number(value["value"])
        row.area_value_text = names.format_value(value["value"], row.unit)
        row.area_period_text = names.period_text(value["period_start"], row.frequency)
    elif area.kind == "locality" and measure["locality"] == area.code:
        # The measure is the locality's own: its value is the locality's.
        row.area_value, row.area_value_text = row.value, row.value_text
        row.area_period_text = row.period_text
    elif area.kind in breakdowns:
        row.area_value_text = f"No figure for this {area.kind} yet"
    else:
        row.area_value_text = f"Not broken down by {area.kind}: council-wide only"


@dataclass
class SideRow:
    """One measure with each council's latest value, variation and period."""

    measure_id: str
    name: str
    purpose: str
    service: str
    councils: list[tuple[str, Row | None]]  # (council code, its row or None), in COUNCIL_ORDER


def side_by_side(found: list[Row]) -> list[SideRow]:
    by_measure: dict[str, dict[str, Row]] = {}
    for row in found:
        by_measure.setdefault(row.measure_id, {})[row.council_code] = row
    out = []
    for measure_id, councils in by_measure.items():
        first = next(iter(councils.values()))
        out.append(
            SideRow(
                measure_id=measure_id,
                name=first.name,
                purpose=first.purpose,
                service=first.service,
                councils=[(code, councils.get(code)) for code in COUNCIL_ORDER],
            )
        )
    return out


def describe(view: View, found_options: Options | None = None) -> str:
    """The view in words, for headings and export titles: "Key measures; Council: Redditch
    Borough Council; Ward: Avoncroft (Bromsgrove)"."""
    parts = [SHOW[view.show]]
    if view.layout == "side":
        parts.append("the two councils side by side")
    labels = _option_labels(found_options or options())
    for key in FILTER_KEYS:
        if key not in view.filters:
            continue
        if key in ("ward", "locality") and view.area is not None:
            parts.append(f"{FILTER_LABELS[key]}: {view.area.label}")
        else:
            value = view.filters[key]
            parts.append(f"{FILTER_LABELS[key]}: {labels[key].get(value, value)}")
    return "; ".join(parts)


def _option_labels(found: Options) -> dict[str, dict[str, str]]:
    labels = {key: dict(getattr(found, key)) for key in ("council", "purpose", "service", "team")}
    for key in ("ward", "locality"):
        labels[key] = {code: name for _group, areas in getattr(found, key) for code, name in areas}
    return labels


def exported_at(now: dt.datetime) -> str:
    """ "3 March 2026 at 14:05 (UK time)" in Europe/London."""
    from zoneinfo import ZoneInfo

    local = now.astimezone(ZoneInfo("Europe/London"))
    return f"{local.day} {local:%B %Y} at {local:%H:%M} (UK time)"
