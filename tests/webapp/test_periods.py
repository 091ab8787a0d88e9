"""Reporting periods: month, quarter (Q1 = April-June) and financial year; open cycles."""

from dataclasses import dataclass
from datetime import date

import pytest

from webapp.officer import periods

pytestmark = pytest.mark.unit


@dataclass
class Cycle:
    period_start: date
    period_end: date
    closed: bool = False


@pytest.mark.parametrize(
    ("start", "frequency", "end"),
    [
        (date(2026, 2, 1), "monthly", date(2026, 2, 28)),
        (date(2028, 2, 1), "monthly", date(2028, 2, 29)),
        (date(2026, 1, 1), "quarterly", date(2026, 3, 31)),
        (date(2026, 4, 1), "annual", date(2027, 3, 31)),
    ],
)
def test_period_end(start, frequency, end):
    assert periods.period_end(start, frequency) == end


def test_quarters_follow_the_financial_year():
    assert periods.is_period_start(date(2026, 7, 1), "quarterly")
    assert not periods.is_period_start(date(2026, 6, 1), "quarterly")
    assert not periods.is_period_start(date(2026, 1, 1), "annual")


def test_periods_within_a_window_are_whole_periods_only():
    window = (date(2026, 2, 1), date(2026, 7, 31))
    assert periods.periods_within(*window, "monthly")[0] == date(2026, 2, 1)
    assert len(periods.periods_within(*window, "monthly")) == 6
    assert periods.periods_within(*window, "quarterly") == [date(2026, 4, 1)]
    assert periods.periods_within(*window, "annual") == []


def test_open_problem_explains_why():
    cycles = [Cycle(date(2026, 4, 1), date(2026, 6, 30))]
    today = date(2026, 6, 15)
    assert periods.open_problem(cycles, date(2026, 5, 1), "monthly", today) is None
    assert "not ended yet" in periods.open_problem(cycles, date(2026, 7, 1), "monthly", today)
    # June is in the window but still running: its figure comes once the month is over
    assert "runs to 30 June 2026: it has not ended yet" in periods.open_problem(
        cycles, date(2026, 6, 1), "monthly", today
    )
    assert "not open" in periods.open_problem(cycles, date(2026, 3, 1), "monthly", today)
    assert "not the start" in periods.open_problem(cycles, date(2026, 5, 2), "monthly", today)
    closed = [Cycle(date(2026, 4, 1), date(2026, 6, 30), closed=True)]
    assert "not open" in periods.open_problem(closed, date(2026, 5, 1), "monthly", today)
