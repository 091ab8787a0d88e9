"""Plain words and values for the officer app's pages and exports: no ids, codes or
snake_case reach people.

Names of councils, service areas and teams come from orchestration.lib.names (the one mapping);
variation and assurance words from the capability charts (orchestration.lib.spc.charts); values
are formatted by their unit to the precision people read them at ("74.2%", "57,574", "£1,234",
"3.1 days"), the same on every page and in every export. The template filters in
templatetags/plain.py wrap these for templates.
"""

from __future__ import annotations

import datetime as dt
import decimal

from orchestration.lib import names
from orchestration.lib.spc import charts

readable = names.readable
council_name = names.council_name
council_short_name = names.council_short_name
service_name = names.service_name
team_name = names.team_name

UNIT_WORDS = {
    "percent": "percentage",
    "days": "days",
    "count": "number",
    "rate_per_1000": "rate per 1,000",
    "per_100k": "rate per 100,000",
    "gbp": "pounds (£)",
}
FREQUENCY_WORDS = {"monthly": "Monthly", "quarterly": "Quarterly", "annual": "Yearly"}
POLARITY_WORDS = {
    "higher": "Higher is better",
    "lower": "Lower is better",
    "neutral": "Neither higher nor lower is better",
}
UNIT_SUFFIX = {
    "percent": "%",
    "days": " days",
    "rate_per_1000": " per 1,000",
    "per_100k": " per 100,000",
}
NO_VALUE = "No value yet"


def _decimals(value: float, places: int) -> str:
    """Thousands separated, at most `places` decimals, no trailing zeros: 3.1, 12, 1,234.5."""
    text = f"{value:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_value(value, unit: str | None) -> str:
    """A figure by its unit: "74.2%", "57,574", "£1,234", "3.1 days", "4.5 per 1,000".

    Percentages, days and rates to one decimal place, counts whole (one decimal when a count
    is an average), pounds whole (pence under £100)."""
    if value is None:
        return NO_VALUE
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if unit == "gbp":
        sign = "-" if value < 0 else ""
        money = f"{abs(value):,.2f}" if abs(value) < 100 else f"{abs(value):,.0f}"
        return f"{sign}£{money}"
    if unit == "count":
        return _decimals(value, 0 if float(value).is_integer() else 1)
    return _decimals(value, 1) + UNIT_SUFFIX.get(unit or "", "")


def period_text(start: dt.date | None, frequency: str | None) -> str:
    """A period by its measure's frequency: "October 2026", "Q2 2026/27 (July to September
    2026)", "2025/26"."""
    if start is None:
        return ""
    return charts.period_label(start, frequency or "monthly")


def variation_text(icon: str | None) -> str:
    """ "Common cause variation", "Special cause concern (high)"; "" when there is none."""
    found = charts.VARIATION_TEXT.get(icon or "")
    return found[2] if found else ""


def assurance_text(icon: str | None) -> str:
    """ "Target consistently met", "Target hit or miss"; "" when there is none."""
    found = charts.ASSURANCE_TEXT.get(icon or "")
    return found[2] if found else ""


def is_concern(icon: str | None) -> bool:
    return (icon or "").startswith("concern")


def signal_text(variation: str | None, no_signal_reason: str | None, has_chart: bool) -> str:
    """What the chart says about variation, in words, or why it reads no signal."""
    words = variation_text(variation)
    if words:
        return words
    if no_signal_reason:
        reason = no_signal_reason.strip().rstrip(".")
        return f"No signal read: {reason}."
    return "No signal read" if has_chart else "No chart yet"


def unit_text(unit: str | None) -> str:
    return UNIT_WORDS.get(unit or "", names.readable(unit))


def frequency_text(frequency: str | None) -> str:
    return FREQUENCY_WORDS.get(frequency or "", names.readable(frequency))


def polarity_text(polarity: str | None) -> str:
    return POLARITY_WORDS.get(polarity or "", names.readable(polarity))
