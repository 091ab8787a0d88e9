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
        # "-£13,729", as people write a negative sum of money (not "£-13,729").
        sign, value = ("-" if value < 0 else ""), abs(value)
        return sign + (f"£{value:,.2f}" if value < 100 else f"£{value:,.0f}")
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


# The trend a capability chart shows, in the words a resident would use: the chart's variation
# icon says whether the latest points are within the usual ups and downs (common cause) or
# outside them (special cause), and whether that is better or worse for this measure.
TREND_WORDS = {
    "common_cause": "steady",
    "improvement_high": "improving",
    "improvement_low": "improving",
    "concern_high": "getting worse",
    "concern_low": "getting worse",
    "neither_high": "higher than usual",
    "neither_low": "lower than usual",
}
TREND_SENTENCES = {
    "steady": "the changes from one period to the next are the usual ups and downs",
    "improving": "the latest figures are better than the usual ups and downs would give",
    "getting worse": "the latest figures are worse than the usual ups and downs would give",
    "higher than usual": "the latest figures are higher than the usual ups and downs would give",
    "lower than usual": "the latest figures are lower than the usual ups and downs would give",
}


def trend(chart: dict | None) -> str:
    """One word or phrase for the chart's trend: "steady", "improving", "getting worse",
    "higher than usual", "lower than usual", or "no signal read"."""
    if chart and chart.get("variation_icon") in TREND_WORDS:
        return TREND_WORDS[chart["variation_icon"]]
    return "no signal read"


def trend_sentence(chart: dict | None) -> str:
    """The trend with what it means, or why no signal is read: "Steady (the changes from one
    period to the next are the usual ups and downs)."."""
    word = trend(chart)
    if word in TREND_SENTENCES:
        return f"{word[:1].upper()}{word[1:]} ({TREND_SENTENCES[word]})."
    reason = (chart or {}).get("no_signal_reason") or "there are not enough figures yet"
    return f"No signal read yet ({reason})."


def latest_period(row: dict | None, frequency: str | None) -> str:
    """A figure's period named by the measure's own frequency ("October 2026", "2025/26")."""
    if not row:
        return ""
    if frequency in ("monthly", "quarterly", "annual"):
        return charts.period_label(row["period_start"], frequency)
    return period(row)


def per_thousand(count, people) -> str:
    """A count per 1,000 people, to one decimal place ("4.2")."""
    if count is None or not people:
        return ""
    return f"{float(count) / float(people) * 1000:,.1f}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def decile_words(decile) -> str:
    """An IMD decile as a sentence: 1 is the most deprived tenth of England's neighbourhoods."""
    if decile is None:
        return ""
    decile = int(decile)
    if decile <= 3:
        side = "among the more deprived parts of England"
    elif decile >= 8:
        side = "among the less deprived parts of England"
    else:
        side = "near the middle for England"
    return (
        f"Decile {decile} of 10, {side} (1 is the most deprived tenth of England's "
        "neighbourhoods, 10 the least deprived)"
    )
