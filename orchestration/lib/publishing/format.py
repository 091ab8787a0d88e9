"""Numbers, dates and markers as the public site shows them."""

from __future__ import annotations

import datetime as dt
import decimal
import functools

from markupsafe import Markup, escape

from orchestration.lib import contracts
from orchestration.lib.publishing import disclosure
from orchestration.lib.registry.measures import target_words
from orchestration.lib.spc import charts

UNIT_SUFFIX = {
    "percent": "%",
    "days": " days",
    "rate_per_1000": " per 1,000",
    "per_100k": " per 100,000",
}
QUALITY_TEXT = {
    "pass": ("Meets all six quality criteria", "green"),
    "waived": ("Meets the quality criteria, with a recorded exception", "blue"),
    "warn": ("Quality warning", "yellow"),
    "fail": ("Fails a quality criterion", "red"),
}
VARIATION_TEXT = {key: text for key, (_letter, _colour, text) in charts.VARIATION_TEXT.items()}
ASSURANCE_TEXT = {key: text for key, (_letter, _colour, text) in charts.ASSURANCE_TEXT.items()}


def number(value, unit: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if unit == "gbp":
        return f"£{value:,.2f}" if abs(value) < 100 else f"£{value:,.0f}"
    if unit == "count":
        return f"{value:,.0f}"
    text = charts.fmt(value)
    return text + UNIT_SUFFIX.get(unit or "", "")


# Where a measure's figures come from, as residents would say it (the registry's `source`
# names raw tables). A source not listed reads as its data contract's title.
SOURCE_WORDS = {
    "service_cases": "the services' case records",
    "case_clock_pauses": "the services' case records",
    "crm_contacts": "the council's customer contact records",
    "finance_ledger": "the council's accounts",
    "hr_enabling": "the council's staff records",
    "partner_returns": "returns from the council's partners",
    "gazetteer": "the council's address gazetteer",
    "ref_population": "ONS population estimates",
    "ref_households": "the 2021 Census",
    "stats_homelessness": "government homelessness statistics (H-CLIC)",
    "stats_flytipping": "government fly-tipping statistics (ENV24)",
    "stats_recycling": "government waste statistics (ENV18)",
    "input.manual_values": "figures the service enters in the council's performance Dashboard",
}


@functools.cache
def _contract_titles() -> dict[str, str]:
    return {name: contract.title for name, contract in contracts.all_contracts().items()}


def sources(text: str | None) -> str:
    """ "service_cases,case_clock_pauses" as "the services' case records"."""
    names = []
    for code in (text or "").split(","):
        code = code.strip()
        if not code:
            continue
        name = SOURCE_WORDS.get(code) or _contract_titles().get(code) or code.replace("_", " ")
        if name not in names:
            names.append(name)
    words = " and ".join(names)
    return words[:1].upper() + words[1:] if words else "Not recorded"


def target_text(measure: dict) -> str:
    """The target with where it comes from, or why there is none."""
    value = number(measure["target"], measure["unit"]) if measure["target"] is not None else ""
    return target_words(value, measure)


def marker(code: str | None) -> Markup:
    """A GSS marker with its meaning for screen readers."""
    if not code:
        return Markup("")
    meaning = disclosure.MARKERS.get(code, "")
    return Markup(
        f'<span class="app-marker">{escape(code)}'
        f'<span class="govuk-visually-hidden"> ({escape(meaning.lower())})</span></span>'
    )


def cell(row: dict, column: str, unit: str | None = None) -> Markup:
    """A figure, or its marker when it has none."""
    value = row.get(column)
    if value is None:
        return marker(row.get(f"{column}_marker") or disclosure.NOT_AVAILABLE)
    return Markup(escape(number(value, unit)))


def month(value) -> str:
    if value is None:
        return ""
    return f"{value:%B %Y}"


def day(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return f"{value.day} {value:%B %Y}"


def period(row: dict) -> str:
    """A row's period by its own length: "October 2026", "Q2 2026/27 (July to September
    2026)", "2025/26"; any other span as "from to"."""
    start, end = row["period_start"], row["period_end"]
    months = (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1
    if months == 1:
        return charts.period_label(start, "monthly")
    if months == 3 and start.month in (1, 4, 7, 10):
        return charts.period_label(start, "quarterly")
    if months == 12 and start.month == 4:
        return charts.period_label(start, "annual")
    return f"{month(start)} to {month(end)}"


def link(href: str, text: str) -> Markup:
    return Markup('<a class="govuk-link" href="{}">{}</a>').format(href, text)
