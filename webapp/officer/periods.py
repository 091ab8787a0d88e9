"""Reporting periods of a measure (month, quarter, financial year) and which ones are open."""

import calendar
from datetime import date

FREQUENCY_MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12}
# Quarters and financial years start in April (Q1 = April to June).
ALLOWED_START_MONTHS = {
    "monthly": set(range(1, 13)),
    "quarterly": {4, 7, 10, 1},
    "annual": {4},
}


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_end(start: date, frequency: str) -> date:
    last_month = add_months(start, FREQUENCY_MONTHS[frequency] - 1)
    return date(last_month.year, last_month.month, calendar.monthrange(*_ym(last_month))[1])


def _ym(day: date) -> tuple[int, int]:
    return day.year, day.month


def is_period_start(start: date, frequency: str) -> bool:
    return start.day == 1 and start.month in ALLOWED_START_MONTHS[frequency]


def periods_within(window_start: date, window_end: date, frequency: str) -> list[date]:
    """Starts of the measure's periods lying wholly inside the window."""
    starts = []
    month = date(window_start.year, window_start.month, 1)
    while month <= window_end:
        if (
            month >= window_start
            and is_period_start(month, frequency)
            and period_end(month, frequency) <= window_end
        ):
            starts.append(month)
        month = add_months(month, 1)
    return starts


def covering_cycle(cycles, start: date, frequency: str):
    """The first open reporting cycle whose window holds the whole period, or None."""
    end = period_end(start, frequency)
    for cycle in cycles:
        if not cycle.closed and cycle.period_start <= start and end <= cycle.period_end:
            return cycle
    return None


def open_problem(cycles, start: date, frequency: str, today: date) -> str | None:
    """Why a period can't take input now (a sentence), or None when it is open."""
    if not is_period_start(start, frequency):
        return f"{start:%d %B %Y} is not the start of a {frequency} period for this measure."
    if period_end(start, frequency) >= today:
        # a month's figure and commentary are given once the month is over
        end = period_end(start, frequency)
        return f"The period starting {start:%d %B %Y} runs to {end:%d %B %Y}: it has not ended yet."
    if covering_cycle(cycles, start, frequency) is None:
        return (
            f"The period starting {start:%d %B %Y} is not open for input: no open reporting "
            "cycle covers it. Ask the Policy Team."
        )
    return None
