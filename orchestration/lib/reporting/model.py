"""What each document shows, built from a snapshot alone (no database, no clock)."""

from __future__ import annotations

import datetime as dt
import functools
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


def first_sentence(text: str) -> str:
    """The first sentence of officer text (up to the first full stop followed by a space)."""
    text = " ".join((text or "").split())
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return match.group(1) if match else (text + "." if text else "")


def holder_title(text: str) -> str:
    """A Portfolio Holder's title as members say it: the registry's placeholders once carried
    the council in brackets ("... Services (Bromsgrove)"); the council is named on the pack."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", text or "").strip()


def is_variance(row: dict) -> bool:
    """A signed budget variance: positive is an overspend, negative an underspend."""
    return row.get("unit") == "gbp" and "variance" in (row.get("name") or "").lower()


def variance_words(value: float | None) -> str:
    if value is None:
        return "no value"
    if value == 0:
        return "£0: on budget"
    return f"£{charts.fmt(abs(value))} {'overspend' if value > 0 else 'underspend'}"


def variance_direction(latest: float | None, previous: float | None, compared_with: str) -> str:
    """Near zero is good: a growing overspend or underspend is worse, a shrinking one better."""
    if latest is None or previous is None:
        return "No previous value to compare with"
    if latest == previous:
        return f"No change on {compared_with}"
    if (latest > 0) != (previous > 0) or latest == 0 or previous == 0:
        was = variance_words(previous)
        return f"{variance_words(latest).split(' ', 1)[-1].capitalize()} now; {was} {compared_with}"
    word = "Overspend" if latest > 0 else "Underspend"
    step = "up" if abs(latest) > abs(previous) else "down"
    better = "worse" if abs(latest) > abs(previous) else "better"
    return f"{word} {step} on {compared_with} ({better})"


SIGNAL_SENTENCES = {
    "concern_high": "Recent figures are higher than the usual range, and higher is worse.",
    "concern_low": "Recent figures are lower than the usual range, and lower is worse.",
}
ASSURANCE_SENTENCE = "The target is consistently missed: the process as it runs cannot meet it."
LATEST_SENTENCE = "The latest figure is outside what the process usually delivers."


def signal_words(entry) -> str:
    """What the statistical signal means, in a sentence or two."""
    sentences = []
    if entry.variation and entry.variation.code in SIGNAL_SENTENCES:
        sentences.append(SIGNAL_SENTENCES[entry.variation.code])
    elif "Latest point" in entry.exception:
        sentences.append(LATEST_SENTENCE)
    if entry.assurance and entry.assurance.code == "fail":
        sentences.append(ASSURANCE_SENTENCE)
    return " ".join(sentences)


CRITERIA = {
    "relevant": ("Relevant", "whether the figure answers the question it is reported for"),
    "well_defined": ("Well defined", "whether the figures follow the measure's definition"),
    "timely": ("Timely", "whether the data arrived when they were due"),
    "reliable": ("Reliable", "whether the figures are consistent from one period to the next"),
    "verifiable": ("Verifiable", "whether each figure can be traced back to the file it came from"),
    "accurate": ("Accurate", "whether the figures match their source's codes and ranges"),
}
STATUS_WORDS = {"warn": "warning", "fail": "failed", "waived": "failed, waived with a reason"}


@functools.cache
def _source_titles() -> dict[str, str]:
    """Source system names in words ("service_cases" -> "Service cases")."""
    try:
        from orchestration.lib import contracts

        return {c.source: c.title for c in contracts.all_contracts().values()}
    except Exception:  # a pack must still build without the contracts folder
        return {}


def _plain_evidence(evidence: str) -> str:
    """Quality evidence in words: no table names, no source codes, late months summarised."""
    parts, late = [], {}
    for part in (evidence or "").split(" | "):
        part = re.sub(r"^\s*[a-z_]+\.[a-z_]+:\s*", "", part.strip())  # "marts.table: "
        arrived = re.match(r"([a-z_]+): data for (\w+ \d{4}) arrived late", part)
        if arrived:
            late.setdefault(arrived.group(1), []).append(arrived.group(2))
            continue
        part = re.sub(r"\.?\s*Unexpected: (\d+)\.?", r" (\1 exception(s) found).", part)
        part = part.replace("All checks passed.", "").strip()
        if part:
            parts.append(part)
    grouped: dict[str, list[str]] = {}
    for source, months in sorted(late.items()):
        title = _source_titles().get(source) or source.replace("_", " ").capitalize()
        when = months[-1] if len(months) == 1 else f"{len(months)} months, the latest {months[-1]}"
        grouped.setdefault(when, []).append(title)
    for when, titles in grouped.items():
        names = titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]
        parts.append(f"{names} data arrived late ({when}).")
    text = " ".join(parts)
    return re.sub(r"\b([a-z]+)_([a-z0-9_]+)\b", lambda m: m.group(0).replace("_", " "), text)


def quality_reasons(rows: list[dict]) -> list[str]:
    """Each criterion that is not a pass: which, what it means, and what was found."""
    out = []
    for row in rows:
        if row["status"] in ("pass", ""):
            continue
        name, meaning = CRITERIA.get(
            row["criterion"], (row["criterion"].replace("_", " ").capitalize(), "")
        )
        status = STATUS_WORDS.get(row["status"], row["status"])
        found = _plain_evidence(row.get("evidence", ""))
        text = f"{name}: {status}"
        text += f" (this criterion checks {meaning})" if meaning else ""
        out.append(f"{text}. {found}".strip())
    return out


def same_period_last_year(
    series: list[dict], latest: dt.date | None, frequency: str, unit: str, variance: bool = False
) -> str:
    """The value a year before the latest: same month (monthly), same quarter (quarterly) or
    the year before (annual), from the values the snapshot already holds."""
    if not latest:
        return ""
    then = latest.replace(year=latest.year - 1)
    label = charts.period_label(then, frequency)
    for row in series:
        if _date(row["period_start"]) == then and row["value"] != "":
            value = _num(row["value"])
            shown = variance_words(value) if variance else format_value(value, unit)
            return f"{shown} in {label}"
    return f"No figure for {label}"


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
    kind: str = "strategic"
    latest_start: dt.date | None = None
    last_year: str = ""  # the same month, quarter or year a year earlier, in words
    comparison: object | None = None  # neighbours.Comparison: this measure's published figures
    quality_reasons: list[str] = field(default_factory=list)
    carried: dict | None = None  # last quarter's signed-off commentary (O&S)
    enquiries: list[str] = field(default_factory=list)  # O&S: questions members might ask

    @property
    def quality_text(self) -> str:
        return QUALITY_TEXT[self.quality_mark]

    @property
    def awaiting_commentary(self) -> bool:
        """No signed-off commentary for the latest figure shown (older commentary may be)."""
        if not self.commentary or not self.latest_start:
            return True
        return _date(self.commentary["period_start"]) < self.latest_start

    @property
    def commentary_line(self) -> str:
        """The first sentence of the signed-off commentary, or that there is none yet."""
        if not self.commentary:
            return "No signed-off commentary yet."
        said = first_sentence(self.commentary["what_data_shows"])
        return f"Commentary for {self.commentary['period']}: {said}"

    @property
    def signal_words(self) -> str:
        return signal_words(self)

    @property
    def story(self) -> str:
        """An exception in one line: what, how much, when, the signal and the service's word."""
        when = f" in {self.latest_period}" if self.latest_period else ""
        return f"{self.latest_value}{when}. {self.signal_words} {self.commentary_line}"

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
    headline: dict = field(default_factory=dict)  # page 1: counts, exceptions, awaiting, focus
    focus_groups: list[tuple[str, list[MeasureEntry]]] = field(default_factory=list)
    key_groups: list[tuple[str, list[MeasureEntry]]] = field(default_factory=list)
    in_brief: list[MeasureEntry] = field(default_factory=list)  # briefing: no signal, in a table
    operational_brief: list[MeasureEntry] = field(default_factory=list)
    carried: list[MeasureEntry] = field(default_factory=list)  # O&S: last quarter's actions

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
            portfolio_holder=holder_title(row["portfolio_holder"]),
            owner=row["owner"],
            definition=row["definition"],
            unit=row["unit"],
            polarity=row["polarity"],
            target=format_value(_num(row["target"]), row["unit"]) if row["target"] else "",
            is_key=row["is_key"] == "true",
            frequency=row.get("frequency") or "monthly",
            target_text=target_text(row),
            signals=row.get("signals") or "xmr",
            kind=row.get("kind") or "strategic",
        )
        entries[(entry.measure_id, entry.council_code)] = entry
    variances = {(r["measure_id"], r["council_code"]) for r in snap["measures"] if is_variance(r)}
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
        variance = (entry.measure_id, entry.council_code) in variances
        words = variance_words if variance else (lambda v, unit=entry.unit: format_value(v, unit))
        entry.latest_value = words(latest)
        entry.previous_value = words(previous) if previous is not None else ""
        entry.latest_start = latest_start
        entry.latest_period = (
            charts.period_label(latest_start, entry.frequency) if latest_start else ""
        )
        entry.last_year = same_period_last_year(
            entry.series, latest_start, entry.frequency, entry.unit, variance
        )
        entry.direction = (
            variance_direction(latest, previous, compared_with)
            if variance
            else direction(latest, previous, entry.polarity, row["variation_icon"], compared_with)
        )
        entry.no_signal_reason = row.get("no_signal_reason") or ""

        entry.variation = _icon("variation", row["variation_icon"])
        entry.assurance = _icon("assurance", row["assurance_icon"])
        entry.chart_svg = _with_unique_ids(row["chart_svg"], slug(entry.measure_id))
        entry.text_alternative = row["text_alternative"]
        entry.chart_source = row["source"]
        entry.exception = _exception(row)
    context = {row["key"]: row["value"] for row in snap["context"]}
    period_start = _date(context.get("period_start", ""))
    # The newest signed-off commentary is the one shown; for O&S the newest before the quarter
    # began is also kept, for the actions carried forward from last quarter.
    for row in sorted(snap["commentary"], key=lambda r: r["period_start"]):
        entry = entries.get((row["measure_id"], row["council_code"]))
        if entry and row.get("status") == "signed_off":  # data.py reads no other; never shown
            shaped = {
                **row,
                "period": charts.period_label(_date(row["period_start"]), entry.frequency),
                "confirmed_on": _long_date(row["confirmed_at"]),
                "signed_off_on": _long_date(row.get("signed_off_at", "")),
            }
            entry.commentary = shaped
            if period_start and _date(row["period_start"]) < period_start:
                entry.carried = shaped
    for row in snap["quality"]:
        entry = entries.get((row["measure_id"], row["council_code"]))
        if entry:
            entry.quality.append(row)
            worst = max([entry.quality_mark, row["status"]], key=lambda s: QUALITY_RANK.get(s, -1))
            entry.quality_mark = worst if worst in QUALITY_RANK else entry.quality_mark
    for entry in entries.values():
        entry.quality_reasons = quality_reasons(entry.quality)
        comparison = neighbours.MEASURE_COMPARISONS.get(entry.measure_id)
        if comparison:
            rows = [r for r in snap.get("neighbours", []) if r["comparison_id"] == comparison]
            found = neighbours.comparisons(rows, entry.council_code)
            entry.comparison = found[0] if found else None
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
    exceptions = [e for e in shown if e.exception]
    return Document(
        **common,
        title=f"{name} Cabinet performance report: {common['period_label']}",
        stem=f"cabinet-{common['period_key']}-{slug(name)}",
        measures=shown,
        focus=focus,
        key=key,
        exceptions=exceptions,
        revised=[e for e in shown if e.revisions],
        headline=headline(shown, exceptions, focus),
        focus_groups=by_purpose(_sorted(focus)),
        key_groups=by_purpose(key),
        **_neighbours(snap, council, name),
    )


VARIATION_ORDER = ["concern_high", "concern_low", "improvement_high", "improvement_low",
                   "neither_high", "neither_low", "common_cause"]  # fmt: skip
ASSURANCE_ORDER = ["fail", "hit_or_miss", "pass"]


def _count_words(count: int) -> str:
    return f"{count} measure{'s' if count != 1 else ''}"


def headline(shown: list[MeasureEntry], exceptions, focus=()) -> dict:
    """Page 1: how many measures show which signal, the exceptions in a line each, the
    measures still waiting for signed-off commentary, and CMT's focus."""
    variation, assurance = [], []
    for code in VARIATION_ORDER:
        found = [e for e in shown if e.variation and e.variation.code == code]
        if found:
            letter, _, label = charts.VARIATION_TEXT[code]
            variation.append((label, letter, _count_words(len(found))))
    unread = [e for e in shown if not e.variation]
    if unread:
        variation.append(
            ("No signal read (too few points, or no chart)", "", _count_words(len(unread)))
        )
    for code in ASSURANCE_ORDER:
        found = [e for e in shown if e.assurance and e.assurance.code == code]
        if found:
            letter, _, label = charts.ASSURANCE_TEXT[code]
            assurance.append((label, letter, _count_words(len(found))))
    unjudged = [e for e in shown if not e.assurance]
    if unjudged:
        assurance.append(
            ("Not judged (no target, or no process limits)", "", _count_words(len(unjudged)))
        )
    return {
        # "none of ..." must say which set it is about, never read as council-wide
        "scope": (
            f"the {len(shown)} measures in this report"
            if len(shown) != 1
            else "the one measure in this report"
        ),
        "variation": variation,
        "assurance": assurance,
        "exceptions": exceptions,
        "awaiting": [e for e in shown if e.awaiting_commentary],
        "focus": list(focus),
    }


def by_purpose(entries: list[MeasureEntry]) -> list[tuple[str, list[MeasureEntry]]]:
    """Entries grouped under their strategic purpose, in the purposes' order."""
    groups: dict[str, list[MeasureEntry]] = {}
    for entry in _sorted(entries):
        groups.setdefault(entry.purpose_name, []).append(entry)
    return list(groups.items())


def _neighbours(snap, council: str, name: str) -> dict:
    return {
        "comparisons": neighbours.comparisons(snap.get("neighbours", []), council),
        "nearest_note": neighbours.nearest_note(snap.get("nearest", []), council, name),
    }


def _portfolio(common, name, portfolio, own) -> Document:
    mine = _sorted([e for e in own if e.portfolio == portfolio])
    holders = sorted({e.portfolio_holder for e in mine if e.portfolio_holder})
    # A briefing a Portfolio Holder reads in ten minutes: the exceptions in full (strategic
    # first), then the other strategic measures and the operational ones in a table each.
    exceptions = sorted(
        [e for e in mine if e.exception], key=lambda e: (e.kind != "strategic", _key(e))
    )
    return Document(
        **common,
        title=f"{name} Portfolio Holder briefing, {portfolio}: {common['period_label']}",
        stem=f"portfolio-{common['period_key']}-{slug(name)}-{slug(portfolio)}",
        measures=mine,
        exceptions=exceptions,
        revised=[e for e in mine if e.revisions],
        portfolio=portfolio,
        portfolio_holder=", ".join(holders),
        headline=headline(mine, exceptions),
        in_brief=[e for e in mine if not e.exception and e.kind == "strategic"],
        operational_brief=[e for e in mine if not e.exception and e.kind != "strategic"],
    )


def _key(entry: MeasureEntry) -> tuple:
    return (entry.purpose_sort, entry.purpose_name, entry.name, entry.measure_id)


def _scrutiny(common, name, own, snap) -> Document:
    mine = _sorted(own)
    purposes: dict[str, list[MeasureEntry]] = {}
    for entry in mine:
        purposes.setdefault(entry.purpose_name, []).append(entry)
    verdicts: dict[str, list[dict]] = {}
    names = {e.measure_id: e.name for e in own}
    for row in snap["verdicts"]:
        verdicts.setdefault(row["trial_id"], []).append(
            {
                **row,
                "measure_name": names.get(row["measure_id"]) or measure_words(row["measure_id"]),
                "words": verdict_words(row),
            }
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
    exceptions = [e for e in mine if e.exception]
    rows = {
        r["measure_id"]: r for r in snap["measures"] if r["council_code"] == common["council_code"]
    }
    for entry in exceptions:
        entry.enquiries = enquiries(entry, rows.get(entry.measure_id))
    return Document(
        **common,
        title=f"{name} Overview and Scrutiny performance report: {common['period_label']}",
        stem=f"scrutiny-{common['period_key']}-{slug(name)}",
        measures=mine,
        exceptions=exceptions,
        revised=[e for e in mine if e.revisions],
        purposes=list(purposes.items()),
        trials=trials,
        quality_summary=summary,
        headline=headline(mine, exceptions),
        carried=[e for e in exceptions if e.carried],
        **_neighbours(snap, common["council_code"], name),
    )


VERDICT_WORDS = {
    "improvement": "Improved: the figures since the trial began are better than before it",
    "deterioration": "Worse: the figures since the trial began are worse than before it",
    "no_change": "No change beyond the usual variation",
    "insufficient_data": "Too early to tell: not enough figures yet to judge",
}


def verdict_words(row: dict) -> str:
    """A trial's verdict on one measure as a sentence, with the averages before and after."""
    text = VERDICT_WORDS.get(row.get("verdict") or "", "No verdict yet")
    if row.get("verdict") in ("improvement", "deterioration"):
        held = row.get("sustained") == "true"
        text += (
            ", and the change is still holding"
            if held
            else ", but it has not held at the latest figure"
        )
    averages = re.findall(r"average (-?\d+(?:,\d{3})*(?:\.\d+)?)", row.get("evidence") or "")
    if len(averages) >= 2:
        text += f" (average {averages[0]} before the trial, {averages[1]} since)"
    return text + "."


def measure_words(measure_id: str) -> str:
    """A trial's own series, named in words ("case_e2e:benefits:new_claim")."""
    parts = measure_id.split(":")
    if parts[0] == "case_e2e" and len(parts) == 3:
        return f"End-to-end days of {parts[1]} cases: {parts[2].replace('_', ' ')}"
    return " ".join(measure_id.replace(":", " ").split("_")).capitalize()


def _run_start(row: dict, series: list[dict]) -> dt.date | None:
    """Where the latest run of special-cause concern began, on the same chart as the pack's
    (analysis.fit); None when the chart shows no such run."""
    from types import SimpleNamespace

    from orchestration.lib.analysis import charting, fit

    definition = SimpleNamespace(
        **{
            **row,
            "target": _num(row.get("target", "")),
            "accumulation": row.get("accumulation") or None,
        }
    )
    chart = fit.measure_chart(
        definition,
        [_date(r["period_start"]) for r in series],
        [_num(r["value"]) for r in series],
        lambda periods: ({}, []),
    )
    points = [p for p in charting.run([chart])[0] if not p["ghost"] and p["value"] is not None]
    concern = [i for i, p in enumerate(points) if p["point_type"] == "special_cause_concern"]
    if not concern:
        return None
    first = concern[-1]
    while first - 1 in concern:
        first -= 1
    start = points[first]["period_start"]
    return start if isinstance(start, dt.date) else _date(str(start))


def enquiries(entry: MeasureEntry, row: dict | None) -> list[str]:
    """Plain questions for O&S members about an exception, from its signal and its commentary."""
    out = []
    side = {"concern_high": "above", "concern_low": "below"}.get(
        entry.variation.code if entry.variation else "", ""
    )
    began = _run_start(row, entry.series) if row and side and entry.series else None
    if began:
        out.append(
            f"What changed in the service around {charts.period_label(began, entry.frequency)} "
            f"when the run {side} average began?"
        )
    elif entry.exception:
        out.append(
            f"What happened in {entry.latest_period or 'the latest period'} to move the figure "
            "outside its usual range, and is it a one-off?"
        )
    if entry.assurance and entry.assurance.code == "fail":
        out.append(
            f"The process cannot reliably meet its target ({entry.target}): should the target "
            "change, or what would have to change in the way the work is done to meet it?"
        )
    if entry.awaiting_commentary:
        out.append(
            f"When will signed-off commentary on {entry.latest_period or 'the latest figure'} "
            "be ready, and what does the service think is the cause?"
        )
    else:
        doing = first_sentence(entry.commentary["what_we_are_doing"])
        out.append(
            f"What evidence shows that \u201c{doing}\u201d will bring the figure back, and by when?"
        )
    if entry.carried:
        out.append("Was last quarter's action done, and what difference has it made?")
    if entry.quality_reasons:
        names = [q.split(":", 1)[0].lower() for q in entry.quality_reasons]
        out.append(
            f"How far do the data-quality concerns ({', '.join(names)}) affect what this "
            "figure shows?"
        )
    return out
