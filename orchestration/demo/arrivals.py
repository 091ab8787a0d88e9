"""When each demo landing file arrived: the timeliness marks judge arrival, so the demo's files
carry realistic arrival times (their modification time, which the loader records as
audit.loads.received_at) rather than the moment `bdc demo` wrote them.

- The council's own systems send each month's extract early on a working day (Europe/London,
  England and Wales bank holidays excluded) up to three working days before it is due
  (`due_working_day` in the contract), never before the month has ended.
- The partners' return is usually a few working days late: most months one to five working days
  past its due day, now and then on time.
- The finance ledger for March waits for the year-end closedown: four to eight working days late.
- One month never arrives: when the demo stands at a day (`generate(today=...)`, as `bdc demo`
  does), the newest month HR and enabling returns owe by then is missing, and so is any later
  month of it. The history stays whole; its latest figures show the gap ("fail: missing once
  due"), and the demo's Policy Team records an override so the outputs are still published.

Every time is drawn from the seed, the source and the month, so the same arguments give the same
times. A file cannot arrive in the future: an arrival after the moment of writing (a month not
due yet, written early), or after the end of the demo's `today`, is that moment.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from orchestration.demo.months import Month
from orchestration.lib import contracts, environment
from orchestration.lib.quality import freshness, store

STREAM = 90
LATE_SOURCE = "partner_returns"
YEAR_END_SOURCE = "finance_ledger"
MISSING_SOURCE = "hr_enabling"
# The case system sends its cases and their clock pauses together.
SYSTEMS = {"case_clock_pauses": "service_cases"}
SYSTEM_NUMBERS = {
    "crm_contacts": 1,
    "service_cases": 2,
    "finance_ledger": 3,
    "hr_enabling": 4,
    "partner_returns": 5,
}
OVERRIDE_PERSON = "Policy Team (demonstration)"


def _london() -> ZoneInfo:
    return ZoneInfo(environment.TIMEZONE)


def add_working_days(day: dt.date, count: int) -> dt.date:
    """The working day `count` working days after (or, negative, before) a working day."""
    step = dt.timedelta(days=1 if count >= 0 else -1)
    for _ in range(abs(count)):
        day += step
        while not freshness.is_working_day(day):
            day += step
    return day


def arrival(seed: int, source: str, month: Month) -> dt.datetime:
    """When the source's file for the month arrived (Europe/London, timezone-aware)."""
    system = SYSTEMS.get(source, source)
    rng = np.random.default_rng(
        [seed, STREAM, SYSTEM_NUMBERS[system], month.start.year, month.start.month]
    )
    contract = contracts.get(system)
    period = freshness.period_containing("monthly", month.start)
    due = freshness.due_date(contract, period)
    first = freshness.working_day(month.next_start.year, month.next_start.month, 1)
    if system == LATE_SOURCE:
        shift = 0 if rng.random() < 0.2 else int(rng.integers(1, 6))
        hour = int(rng.integers(10, 17))  # someone emails it during the day
    elif system == YEAR_END_SOURCE and month.number == 3:
        shift = int(rng.integers(4, 9))
        hour = int(rng.integers(7, 10))
    else:
        shift = -int(rng.integers(0, 4))
        hour = int(rng.integers(6, 9))  # the overnight extract lands early in the morning
    day = max(add_working_days(due, shift), first)
    minute, second = int(rng.integers(0, 60)), int(rng.integers(0, 60))
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=_london())


def first_missing(source: str, today: dt.date | None) -> dt.date | None:
    """The first month of `source` that has not arrived by `today` (None: all have), from the
    newest month it owes on that day."""
    if today is None or source != MISSING_SOURCE:
        return None
    return freshness.latest_due_period(contracts.get(source), today).start


def as_at(today: dt.date | None) -> dt.datetime:
    """The latest a file can have arrived: now, or the end of `today` if that is earlier."""
    now = dt.datetime.now(_london())
    if today is None:
        return now
    return min(now, dt.datetime.combine(today, dt.time(23, 59, 59), tzinfo=_london()))


def stamp(path: Path, when: dt.datetime, latest: dt.datetime) -> None:
    """Date a file's arrival (its access and modification times), never after `latest`."""
    moment = min(when, latest).timestamp()
    os.utime(path, (moment, moment))


def missing_words(today: dt.date) -> str:
    """What the Policy Team's override says about the missing month."""
    missing = first_missing(MISSING_SOURCE, today)
    title = contracts.get(MISSING_SOURCE).title
    return (
        f"{title} for {missing:%B %Y} have not arrived; the outputs go out with the figures "
        "held while the return is chased"
    )


def record_override(url: str, today: dt.date, days: int = 28) -> int | None:
    """The demo's Policy Team lets the outputs go out without the missing month (the gate would
    rightly hold them back); returns the override's id, None when one is active already."""
    import psycopg

    missing = first_missing(MISSING_SOURCE, today)
    if missing is None:
        return None
    with psycopg.connect(url) as conn:
        store.ensure_tables(conn)
        active = conn.execute(
            """select 1 from input.freshness_overrides where output = '*' and source = %s
               and person = %s and revoked_at is null and expires_at > now()""",
            (MISSING_SOURCE, OVERRIDE_PERSON),
        ).fetchone()
    if active:
        return None
    expires = dt.datetime.combine(today + dt.timedelta(days=days), dt.time(18), tzinfo=_london())
    return freshness.add_override(
        url,
        "*",
        reason=missing_words(today),
        person=OVERRIDE_PERSON,
        expires_at=expires,
        source=MISSING_SOURCE,
    )
