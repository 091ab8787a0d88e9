"""What the councils' officers would have entered in the app for the manual measures.

Manual measures (`input_method: manual` in the registry) get their values from officers through
the officer app (input.manual_values), not from a source file. A demo warehouse has no officers,
so `bdc demo` seeds one confirmed entry per manual measure, council and period of the demo
history, as a Revenues officer or service manager would have entered it. Deterministic like the
files; rows an officer has already entered for a period are never touched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import psycopg

from orchestration.demo.geography import COUNCIL_CODES
from orchestration.demo.months import FIRST_MONTH, Month, month_range, month_rng, parse_month

STREAM = 70
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Entry:
    measure_id: str
    council_code: str
    period_start: date
    period_end: date
    value: float
    numerator: float | None
    denominator: float | None


# Per council: (Bromsgrove, Redditch). Sizes are the order of the councils' published figures.
COUNCIL_TAX_DEBIT = (79e6, 62e6)
BUSINESS_RATES_DEBIT = (31e6, 38e6)
ALARM_CALLS = (3100, 4400)
LEISURE_VISITS = (52000, 61000)
AFFORDABLE_HOMES = (34, 22)


def _collected_to_date(rng, month: Month, debit: float, year_end_rate: float):
    """In-year collection: about a tenth of the debit by April, year_end_rate by March."""
    months_in = (month.number - 4) % 12 + 1
    rate = year_end_rate * (1 - (1 - months_in / 12) ** 1.08) + rng.normal(0, 0.004)
    rate = float(np.clip(rate, 0.02, 0.995))
    debit = round(debit * (1 + rng.normal(0, 0.002)), -3)
    collected = round(debit * rate, 2)
    return round(100 * collected / debit, 2), collected, debit


def _council_tax(rng, month: Month, council: int):
    return _collected_to_date(rng, month, COUNCIL_TAX_DEBIT[council], 0.985)


def _business_rates(rng, month: Month, council: int):
    return _collected_to_date(rng, month, BUSINESS_RATES_DEBIT[council], 0.99)


def _alarm_answered(rng, month: Month, council: int):
    calls = int(rng.poisson(ALARM_CALLS[council] * (1.12 if month.number in (12, 1, 2) else 1)))
    answered = int(rng.binomial(calls, 0.982))
    return round(100 * answered / calls, 2), answered, calls


def _leisure_visits(rng, month: Month, council: int):
    season = 1 + 0.12 * np.cos((month.number - 1) / 12 * 2 * np.pi)  # busiest in January
    growth = 1 + 0.03 * month.years_since_first
    visits = int(rng.poisson(LEISURE_VISITS[council] * season * growth))
    return visits, visits, None


def _affordable_homes(rng, month: Month, council: int):
    homes = int(rng.poisson(AFFORDABLE_HOMES[council]))
    return homes, homes, None


Generator = Callable[[np.random.Generator, Month, int], tuple]
MONTHLY: dict[str, Generator] = {
    "fin_council_tax_collected": _council_tax,
    "bus_business_rates_collected": _business_rates,
    "ind_community_alarm_answered": _alarm_answered,
    "ttd_leisure_visits": _leisure_visits,
}
# Quarterly measures are drawn in the quarter's last month.
QUARTERLY: dict[str, Generator] = {"hou_affordable_homes_delivered": _affordable_homes}
MEASURE_IDS = frozenset(MONTHLY) | frozenset(QUARTERLY)


def entries(last_month: str, seed: int) -> Iterator[Entry]:
    """Every manual measure's value for each council and each of its periods up to last_month."""
    for month in month_range(FIRST_MONTH, parse_month(last_month)):
        period_end = month.next_start - timedelta(days=1)
        due = [(m, g, month.start) for m, g in MONTHLY.items()]
        if month.number in (3, 6, 9, 12):
            quarter_start = date(month.start.year, month.number - 2, 1)
            if quarter_start >= FIRST_MONTH:
                due += [(m, g, quarter_start) for m, g in QUARTERLY.items()]
        for stream, (measure_id, generate, period_start) in enumerate(due, start=STREAM):
            rng = month_rng(seed, stream, month)
            for council, code in enumerate(COUNCIL_CODES):
                figures = generate(rng, month, council)
                yield Entry(measure_id, code, period_start, period_end, *figures)


def _confirmed_at(period_end: date) -> datetime:
    """Entries are confirmed on the eighth day after the period ends, mid-morning (or now, for
    a period that ended less than eight days ago: nothing is confirmed in the future)."""
    usual = datetime.combine(period_end + timedelta(days=8), time(10, 30), LONDON)
    return min(usual, datetime.now(LONDON))


INSERT = """
insert into input.manual_values (
    measure_id, council_code, period_start, period_end, value, numerator, denominator,
    entered_by, status, confirmed_by, confirmed_at, updated_at)
select %(measure_id)s, %(council_code)s, %(period_start)s, %(period_end)s, %(value)s,
    %(numerator)s, %(denominator)s, 'demo officer', 'confirmed', 'demo manager',
    %(confirmed_at)s, %(confirmed_at)s
where not exists (
    select 1 from input.manual_values
    where measure_id = %(measure_id)s and council_code = %(council_code)s
        and period_start = %(period_start)s)
"""


def seed(url: str, last_month: str, seed: int) -> int:
    """Insert the demo entries missing from input.manual_values; return how many were added."""
    from orchestration.lib.warehouse import bootstrap

    rows = [
        {**entry.__dict__, "confirmed_at": _confirmed_at(entry.period_end)}
        for entry in entries(last_month, seed)
    ]
    with psycopg.connect(url) as conn:
        bootstrap.ensure_manual_values(conn)
        before = conn.execute("select count(*) from input.manual_values").fetchone()[0]
        with conn.cursor() as cursor:
            cursor.executemany(INSERT, rows)
        after = conn.execute("select count(*) from input.manual_values").fetchone()[0]
    return after - before
