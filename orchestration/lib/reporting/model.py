"""What each document shows, built from a snapshot alone (no database, no clock)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from orchestration.lib import environment, neighbours
from orchestration.lib.environment import COUNCILS
from orchestration.lib.registry.measures import target_words
from orchestration.lib.reporting.data import Snapshot
from orchestration.lib.spc import charts

QUALITY_RANK = {"pass": 0, "waived": 1, "warn": 2, "fail": 3}
QUALITY_TEXT = {
    "pass": "Passes all six data-quality criteria",
    "waived": "A failed criterion was waived with a recorded reason",
    "warn": "Warning on at least one data-quality criterion",
    "fail": "Fails at least one data-quality criterion",
    None: "Data quality not yet assessed",
}
QUALITY_SHORT = {"pass": "Pass", "waived": "Waived failure", "warn": "Warning", "fail": "Fail",
                 None: "Not assessed"}  # fmt: skip
CONCERN_ICONS = {"concern_high", "concern_low"}
UNITS = {"percent": "%", "days": "days", "gbp": "£", "rate_per_1000": "per 1,000"}


def _num(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text[:10]) if text else None


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "no value"
    if unit == "gbp":
        return "£" + charts.fmt(value)
    return charts.fmt(value, UNITS.get(unit, ""))


PERIOD_WORD = {"monthly": "month", "quarterly": "quarter", "annual": "year"}
SUSTAINED = {"improvement_high": "better", "improvement_low": "better",
             "concern_high": "worse", "concern_low": "worse"}  # fmt: skip


def direction(
    latest: float | None,
    previous: float | None,
    polarity: str,
    variation: str | None = None,
    compared_with: str = "last month",
) -> str:
    """The latest change in words, better or worse by the measure's polarity, never at odds
    with the variation icon: where one period's change runs against a sustained signal (a
    month up within a run of months lower than usual), it says both plainly."""
    if latest is None or previous is None:
        return "No previous value to compare with"
    if latest == previous:
        return f"No change on {compared_with}"
    word = "Up" if latest > previous else "Down"
    if polarity not in ("higher", "lower"):
        return f"{word} on {compared_with}"
    step = "better" if (latest > previous) == (polarity == "higher") else "worse"
    sustained = SUSTAINED.get(variation or "")
    if sustained and sustained != step:
        trend = "improvement" if sustained == "better" else "decline"
        return f"{word} on {compared_with} ({step} for this one period), within a sustained {trend}"
    return f"{word} on {compared_with} ({step})"


def target_text(row: dict) -> str:
    """The target with where it comes from, or why there is none."""
    value = format_value(_num(row["target"]), row["unit"]) if row.get("target") else ""
    return target_words(value, row)


@dataclass
class Icon:
    kind: str  # variation | assurance
    code: str
    letter: str
    colour: str
    label: str


@dataclass
class MeasureEntry:
    measure_id: str
    council_code: str
    name: str
    purpose_code: str
    purpose_name: str
    purpose_sort: float
    portfolio: str
    portfolio_holder: str
    owner: str
    definition: str
    unit: str
    polarity: str
    target: str
    is_key: bool
    frequency: str = "monthly"
    target_text: str = ""
    signals: str = "xmr"
    no_signal_reason: str = ""
    latest_value: str = "no value"
    latest_period: str = ""
    previous_value: str = ""
    direction: str = "No previous value"
    variation: Icon | None = None
    assurance: Icon | None = None
    chart_svg: str = ""
    text_alternative: str = ""
    chart_source: str = ""
    commentary: dict | None = None
    quality_mark: str | None = None
    quality: list[dict] = field(default_factory=list)
    focus_reason: str = ""
    focus_source: str = ""
    exception: str = ""
    revisions: list[dict] = field(default_factory=list)
    series: list[dict] = field(default_factory=list)

    @property
    def quality_text(self) -> str:
        return QUALITY_TEXT[self.quality_mark]

    @property
    def quality_short(self) -> str:
        return QUALITY_SHORT[self.quality_mark]

    @property
    def anchor(self) -> str:
        return f"m-{slug(self.measure_id)}"


@dataclass
class Document:
    kind: str
    council_code: str
    title: str
    stem: str
    period_key: str
    period_label: str
    meeting_date: str
    measures: list[MeasureEntry]
    focus: list[MeasureEntry] = field(default_factory=list)
    key: list[MeasureEntry] = field(default_factory=list)
    exceptions: list[MeasureEntry] = field(default_factory=list)
    revised: list[MeasureEntry] = field(default_factory=list)
    purposes: list[tuple[str, list[MeasureEntry]]] = field(default_factory=list)
    trials: list[dict] = field(default_factory=list)
    quality_summary: list[tuple[str, int]] = field(default_factory=list)
    previous_issue: str = ""
    notes: list[str] = field(default_factory=list)
    portfolio: str = ""
    portfolio_holder: str = ""
    comparisons: list = field(default_factory=list)  # neighbours.Comparison, published figures
    nearest_note: str = ""
    demonstration: bool = False  # from `bdc demo`'s invented data: labelled on every page
    council_full_name: str = ""  # "Redditch Borough Council"

    @property
    def council_name(self) -> str:
        return COUNCILS.get(self.council_code, self.council_code)


def _icon(kind: str, code: str) -> Icon | None:
    table = charts.VARIATION_TEXT if kind == "variation" else charts.ASSURANCE_TEXT
    if not code or code not in table:
        return None
    letter, colour, label = table[code]
    return Icon(kind, code, letter, colour, label)


def _long_date(text: str) -> str:
    day = _date(text)
    return f"{day.day} {day:%B %Y}" if day else ""


def _with_unique_ids(svg: str, suffix: str) -> str:
    """Several charts share one HTML page: give each chart's title/desc ids of its own."""
    svg = re.sub(r'id="chart-(title|desc)"', rf'id="chart-\1-{suffix}"', svg)
    return svg.replace(
        'aria-labelledby="chart-title chart-desc"',
        f'aria-labelledby="chart-title-{suffix} chart-desc-{suffix}"',
    )


def _exception(chart: dict) -> str:
    """SPC signals, not RAG thresholds, pick the exceptions."""
    reasons = []
    if chart["variation_icon"] in CONCERN_ICONS:
        reasons.append(charts.VARIATION_TEXT[chart["variation_icon"]][2])
    elif chart["latest_point_type"] == "special_cause_concern":
        reasons.append("Latest point is special-cause concern")
    if chart["assurance_icon"] == "fail":
        reasons.append(charts.ASSURANCE_TEXT["fail"][2])
    return "; ".join(reasons)


def _entries(snap: Snapshot) -> dict[tuple[str, str], MeasureEntry]:
    entries = {}
    for row in snap["measures"]:
        entry = MeasureEntry(
            measure_id=row["measure_id"],
            council_code=row["council_code"],
            name=row["name"],
            purpose_code=row["purpose_code"],
            purpose_name=row["purpose_name"] or row["purpose_code"] or "Operational",
            purpose_sort=_num(row["purpose_sort"]) or 99.0,
            portfolio=row["portfolio"],
            portfolio_holder=row["portfolio_holder"],
            owner=row["owner"],
            definition=row["definition"],
            unit=row["unit"],
            polarity=row["polarity"],
            target=format_value(_num(row["target"]), row["unit"]) if row["target"] else "",
            is_key=row["is_key"] == "true",
            frequency=row.get("frequency") or "monthly",
            target_text=target_text(row),
            signals=row.get("signals") or "xmr",
        )
        entries[(entry.measure_id, entry.council_code)] = entry
    for row in snap["values"]:
        entry = entries.get((row["measure_id"], row["council_code"]))
        if entry:
            entry.series.append(row)
    for row in snap["charts"]:
        entry = entries.get((row["measure_id"], row["council_code"]))
        if not entry:
            continue
        latest, previous = _num(row["latest_value"]), _num(row["previous_value"])
        latest_start = _date(row["latest_period_start"])
        compared_with = f"last {PERIOD_WORD.get(entry.frequency, 'period')}"
        if entry.signals == "year_on_year":
            # the chart plots changes on a year earlier; members read the figure itself
            latest_start, latest, previous = _same_month_a_year_earlier(entry.series)
            compared_with = "the same month last year"
        entry.latest_value = format_value(latest, entry.unit)
        entry.previous_value = format_value(previous, entry.unit) if previous is not None else ""
        entry.latest_period = (
            charts.period_label(latest_start, entry.frequency) if latest_start else ""
        )
        entry.direction = direction(
            latest, previous, entry.polarity, row["variation_icon"], compared_with
        )
        entry.no_signal_reason = row.get("no_signal_reason") or ""

        entry.variation = _icon("variation", row["variation_icon"])
        entry.assurance = _icon("assurance", row["assurance_icon"])
        entry.chart_svg = _with_unique_ids(row["chart_svg"], slug(entry.measure_id))
        entry.text_alternative = row["text_alternative"]
        entry.chart_source = row["source"]
        entry.exception = _exception(row)
    for row in snap["commentary"]:
        entry = entries.get((row["measure_id"], row["council_code"]))
        if entry and row.get("status") == "signed_off":  # data.py reads no other; never shown
            entry.commentary = {
                **row,
                "period": charts.period_label(_date(row["period_start"]), entry.frequency),
                "confirmed_on": _long_date(row["confirmed_at"]),
                "signed_off_on": _long_date(row.get("signed_off_at", "")),
            }
    for row in snap["quality"]:
        entry = entries.get((row["measure_id"], row["council_code"]))
        if entry:
            entry.quality.append(row)
            worst = max([entry.quality_mark, row["status"]], key=lambda s: QUALITY_RANK.get(s, -1))
            entry.quality_mark = worst if worst in QUALITY_RANK else entry.quality_mark
    for row in snap["revisions"]:
        entry = entries.get((row["measure_id"], row["council_code"]))
        if entry:
            entry.revisions.append(
                {
                    "period": charts.period_label(_date(row["period_start"]), entry.frequency),
                    "was": format_value(_num(row["issued_value"]), entry.unit),
                    "now": format_value(_num(row["current_value"]), entry.unit),
                    "issued_in": row["issued_in"],
                }
            )
    return entries


def _same_month_a_year_earlier(series: list[dict]) -> tuple:
    """(latest period start, its value, the value of the same month a year earlier)."""
    values = {_date(r["period_start"]): _num(r["value"]) for r in series if r["value"] != ""}
    if not values:
        return None, None, None
    latest = max(values)
    earlier = values.get(dt.date(latest.year - 1, latest.month, 1))
    return latest, values[latest], earlier


def _sorted(entries: list[MeasureEntry]) -> list[MeasureEntry]:
    return sorted(entries, key=lambda e: (e.purpose_sort, e.purpose_name, e.name, e.measure_id))


def documents(snap: Snapshot) -> list[Document]:
    context = {row["key"]: row["value"] for row in snap["context"]}
    kind, key = context["kind"], context["period"]
    entries = _entries(snap)
    notes = [line for line in context["notes"].split("\n") if line]
    full_names = dict(
        pair.split("=", 1) for pair in context.get("council_names", "").split(";") if pair
    )
    docs = []
    for council in context["councils"].split(";"):
        own = [e for (_, c), e in entries.items() if c == council]
        common = {
            "kind": kind,
            "council_code": council,
            "period_key": key,
            "period_label": context["label"],
            "meeting_date": _long_date(context["meeting_date"]),
            "previous_issue": context["previous_issue"],
            # Snapshots issued before the label existed have no such row: real data.
            "demonstration": context.get("demonstration") == "true",
            # a note for one council is "code|text"; the rest are for every council
            "notes": [
                n.split("|", 1)[-1] for n in notes if "|" not in n or n.startswith(f"{council}|")
            ],
            # Snapshots issued before names were frozen read them from the configuration.
            "council_full_name": full_names.get(council)
            or environment.councils().get(council, {}).get("name", council),
        }
        name = COUNCILS.get(council, council)
        if kind == "cabinet":
            docs.append(_cabinet(common, name, own, snap, entries))
        elif kind == "portfolio":
            for portfolio in sorted({e.portfolio for e in own}):
                docs.append(_portfolio(common, name, portfolio, own))
        else:
            docs.append(_scrutiny(common, name, own, snap))
    return docs


def _cabinet(common, name, own, snap, entries) -> Document:
    council = common["council_code"]
    focus = []
    for row in snap["focus"]:
        entry = (
            entries.get((row["measure_id"], council)) if row["council_code"] == council else None
        )
        if entry:
            entry.focus_reason, entry.focus_source = row["reason"], row["source"]
            focus.append(entry)
    focus_ids = {e.measure_id for e in focus}
    key = _sorted([e for e in own if e.is_key and e.measure_id not in focus_ids])
    shown = focus + key
    return Document(
        **common,
        title=f"{name} Cabinet performance report: {common['period_label']}",
        stem=f"cabinet-{common['period_key']}-{slug(name)}",
        measures=shown,
        focus=focus,
        key=key,
        exceptions=[e for e in shown if e.exception],
        revised=[e for e in shown if e.revisions],
        **_neighbours(snap, council, name),
    )


def _neighbours(snap, council: str, name: str) -> dict:
    return {
        "comparisons": neighbours.comparisons(snap.get("neighbours", []), council),
        "nearest_note": neighbours.nearest_note(snap.get("nearest", []), council, name),
    }


def _portfolio(common, name, portfolio, own) -> Document:
    mine = _sorted([e for e in own if e.portfolio == portfolio])
    holders = sorted({e.portfolio_holder for e in mine if e.portfolio_holder})
    return Document(
        **common,
        title=f"{name} Portfolio Holder briefing, {portfolio}: {common['period_label']}",
        stem=f"portfolio-{common['period_key']}-{slug(name)}-{slug(portfolio)}",
        measures=mine,
        exceptions=[e for e in mine if e.exception],
        revised=[e for e in mine if e.revisions],
        portfolio=portfolio,
        portfolio_holder=", ".join(holders),
    )


def _scrutiny(common, name, own, snap) -> Document:
    mine = _sorted(own)
    purposes: dict[str, list[MeasureEntry]] = {}
    for entry in mine:
        purposes.setdefault(entry.purpose_name, []).append(entry)
    verdicts: dict[str, list[dict]] = {}
    names = {e.measure_id: e.name for e in own}
    for row in snap["verdicts"]:
        verdicts.setdefault(row["trial_id"], []).append(
            {**row, "measure_name": names.get(row["measure_id"], row["measure_id"])}
        )
    trials = [
        {
            **row,
            "start": _long_date(row["start_date"]),
            "end": _long_date(row["end_date"]) or "ongoing",
            "verdicts": verdicts.get(row["trial_id"], []),
        }
        for row in snap["trials"]
        if row["council_code"] == common["council_code"]
    ]
    counts = {}
    for entry in mine:
        counts[entry.quality_mark] = counts.get(entry.quality_mark, 0) + 1
    summary = [
        (QUALITY_TEXT[mark], counts[mark])
        for mark in ["pass", "waived", "warn", "fail", None]
        if counts.get(mark)
    ]
    return Document(
        **common,
        title=f"{name} Overview and Scrutiny performance report: {common['period_label']}",
        stem=f"scrutiny-{common['period_key']}-{slug(name)}",
        measures=mine,
        exceptions=[e for e in mine if e.exception],
        revised=[e for e in mine if e.revisions],
        purposes=list(purposes.items()),
        trials=trials,
        quality_summary=summary,
        **_neighbours(snap, common["council_code"], name),
    )
