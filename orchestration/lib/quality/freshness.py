"""Timeliness: is each source fresh for the reporting calendar?

A contract with a `due_working_day` N says: the data for a period is due by the N-th working day
of the month after the period ends (working days: Monday to Friday except England and Wales bank
holidays). Data arrive when their landing file arrives (audit.loads.received_at: the file's
modification time, or an object's LastModified), else when they were loaded. A source is stale
when data that are due have not arrived: for an output with a period, the source's period
holding the output's period end; without one, the latest period that is already due. A period
whose data are not due yet is never stale: the output then needs the latest period that is due,
and the period still to come is reported as a warning (`awaiting`).
Which period an output covers is never read from the data (reporting/calendar.py for reports,
`latest_due_end` for partner extracts). The Policy Team may record an override
(input.freshness_overrides) to let one output go out with stale inputs; it names the output
(or '*'), optionally one source, a reason, a person and an expiry.

A published statistic (an annual or quarterly contract with `published_months_after` M) is not
sent to us by a date but published by someone else: the edition covering a period is expected by
the end of the M-th month after the period ends (ENV18's 2024/25 by the end of December 2025 with
M = 9). Only the marks judge it (marks.py): the latest figure held is timely while no later
edition is expected yet. The gate does not wait for a publisher.
"""

import datetime as dt
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

import psycopg

from orchestration.lib import contracts, environment
from orchestration.lib.contracts import Contract
from orchestration.lib.quality import store

SCHEDULED = ("monthly", "quarterly")
PUBLISHED = ("annual", "quarterly")


@cache
def bank_holidays(year: int) -> frozenset[dt.date]:
    """England and Wales bank holidays (substitute days included) from the `holidays` package."""
    import holidays

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def working_day(year: int, month: int, n: int) -> dt.date:
    """The n-th working day (1-based) of a month."""
    if n < 1:
        raise ValueError("working day numbers start at 1")
    day = dt.date(year, month, 1)
    count = 0
    while True:
        if is_working_day(day):
            count += 1
            if count == n:
                return day
        day += dt.timedelta(days=1)
        if day.month != month:
            raise ValueError(f"{year}-{month:02d} has fewer than {n} working days")


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    def label(self) -> str:
        if self.start.month == self.end.month and self.start.year == self.end.year:
            return self.start.strftime("%B %Y")
        return f"{self.start:%B %Y} to {self.end:%B %Y}"

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def words(self) -> str:
        """As a publication names it: "2024/25" (a financial year), "2025" (a calendar year),
        "April to June 2026" (a quarter), "October 2026" (a month)."""
        if self.months == 12 and self.start.day == 1 and self.start.month == 4:
            return f"{self.start.year}/{(self.start.year + 1) % 100:02d}"
        if self.months == 12 and self.start.day == 1 and self.start.month == 1:
            return str(self.start.year)
        if self.months == 1:
            return self.label()
        if self.start.year == self.end.year:
            return f"{self.start:%B} to {self.end:%B %Y}"
        return self.label()

    def following(self) -> "Period":
        """The period of the same length that starts the day after this one ends."""
        last = _add_months(self.end, self.months)
        return Period(self.end + dt.timedelta(days=1), _month_end(last.year, last.month))


def period_containing(frequency: str, day: dt.date) -> Period:
    """The month, or calendar quarter (Jan-Mar, Apr-Jun, ...; UK Q1 = Apr-Jun) holding a day."""
    if frequency == "monthly":
        return Period(day.replace(day=1), _month_end(day.year, day.month))
    if frequency == "quarterly":
        first_month = (day.month - 1) // 3 * 3 + 1
        end_month = first_month + 2
        return Period(dt.date(day.year, first_month, 1), _month_end(day.year, end_month))
    raise ValueError(f"no reporting periods for frequency {frequency!r}")


def previous_period(frequency: str, period: Period) -> Period:
    return period_containing(frequency, period.start - dt.timedelta(days=1))


def due_date(contract: Contract, period: Period) -> dt.date:
    """The working day by which the data for the period must be loaded."""
    following = _add_months(period.end, 1)
    return working_day(following.year, following.month, contract.due_working_day)


def has_rule(contract: Contract) -> bool:
    return contract.frequency in SCHEDULED and bool(contract.due_working_day)


def has_publication_rule(contract: Contract) -> bool:
    """A published statistic with a publication calendar (and no due working day)."""
    return (
        contract.frequency in PUBLISHED
        and not has_rule(contract)
        and bool(contract.published_months_after)
    )


def publication_due(contract: Contract, period: Period) -> dt.date:
    """The day by which the edition covering the period is expected: the last day of the
    `published_months_after`-th month after the period ends."""
    month = _add_months(period.end, contract.published_months_after)
    return _month_end(month.year, month.month)


def latest_due_period(contract: Contract, today: dt.date) -> Period:
    """The most recent period whose data is due on or before today."""
    period = previous_period(contract.frequency, period_containing(contract.frequency, today))
    while due_date(contract, period) > today:
        period = previous_period(contract.frequency, period)
    return period


def required_period(contract: Contract, today: dt.date, period_end: dt.date | None) -> Period:
    """The period a report needs: the one holding its period end, else the latest one due."""
    if period_end is not None:
        return period_containing(contract.frequency, period_end)
    return latest_due_period(contract, today)


def latest_due_end(sources: list[str] | tuple[str, ...] | None, today: dt.date) -> dt.date | None:
    """The last day of the newest period whose data are due from every named scheduled source
    (every scheduled source when None) on `today`; None when none of them has a due rule."""
    ends = [
        latest_due_period(contract, today).end
        for contract in contracts.all_contracts().values()
        if has_rule(contract) and (sources is None or contract.source in sources)
    ]
    return min(ends) if ends else None


def london_today() -> dt.date:
    return dt.datetime.now(ZoneInfo(environment.TIMEZONE)).date()


def london_date(moment: dt.datetime) -> dt.date:
    """The day of a moment in Europe/London (a naive moment is taken as London time)."""
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(ZoneInfo(environment.TIMEZONE)).date()


@dataclass(frozen=True)
class SourceFreshness:
    source: str
    period: Period
    due: dt.date
    loaded_at: dt.datetime | None
    today: dt.date | None = None  # None: judged as if the period were due
    # The output's own period, when its data are not due yet and not loaded (then `period` is
    # the latest one that is due), and the day it is due.
    awaiting: Period | None = None
    awaiting_due: dt.date | None = None

    @property
    def stale(self) -> bool:
        """Data that are due have not been loaded (a period not due yet is never stale)."""
        return self.loaded_at is None and (self.today is None or self.due <= self.today)

    @property
    def arrived_on(self) -> dt.date | None:
        """The day the data arrived, in Europe/London."""
        return None if self.loaded_at is None else london_date(self.loaded_at)

    @property
    def late(self) -> bool:
        return self.loaded_at is not None and self.arrived_on > self.due

    def awaiting_message(self) -> str:
        return (
            f"{self.source}: data for {self.awaiting.label()} are not due until "
            f"{self.awaiting_due:%d %B %Y}; the latest due, {self.period.label()}, is used"
        )

    def message(self) -> str:
        if self.loaded_at is None:
            state = "has not been loaded" if self.stale else "is not due yet"
            return (
                f"{self.source}: data for {self.period.label()} {state} "
                f"(due by {self.due:%d %B %Y})"
            )
        if self.late:
            return (
                f"{self.source}: data for {self.period.label()} arrived late "
                f"({self.arrived_on:%d %B %Y}; due by {self.due:%d %B %Y})"
            )
        return f"{self.source}: data for {self.period.label()} arrived {self.arrived_on:%d %B %Y}"


def loaded_at(conn: psycopg.Connection, source: str, period: Period) -> dt.datetime | None:
    """When the data for the period arrived: the first arrival of a batch covering it, loaded
    or since superseded by a correction (a correction does not make the data late); the
    landing file's own time where it was recorded, else when the batch was loaded. None when
    no loaded batch covers the period (never sent, or withdrawn)."""
    row = conn.execute(
        """select min(coalesce(received_at, finished_at, started_at)) from audit.loads
           where source = %s and outcome in ('loaded', 'superseded')
             and period_start <= %s and period_end >= %s
           having bool_or(outcome = 'loaded')""",
        (source, period.start, period.end),
    ).fetchone()
    return row[0] if row else None


def check_sources(
    conn: psycopg.Connection,
    sources: list[str] | None = None,
    *,
    today: dt.date | None = None,
    period_end: dt.date | None = None,
) -> list[SourceFreshness]:
    """Freshness of every scheduled source (or the named ones) for a report period.

    When the source's period holding `period_end` is not due yet and not loaded, nothing about it
    is stale: the state judges the latest period that is due and names the other as `awaiting`.
    """
    today = today or london_today()
    found = []
    for contract in contracts.all_contracts().values():
        if not has_rule(contract) or (sources is not None and contract.source not in sources):
            continue
        period = required_period(contract, today, period_end)
        due = due_date(contract, period)
        loaded = loaded_at(conn, contract.source, period)
        awaiting = awaiting_due = None
        if loaded is None and due > today:
            awaiting, awaiting_due = period, due
            period = latest_due_period(contract, today)
            due = due_date(contract, period)
            loaded = loaded_at(conn, contract.source, period)
        found.append(
            SourceFreshness(
                source=contract.source,
                period=period,
                due=due,
                loaded_at=loaded,
                today=today,
                awaiting=awaiting,
                awaiting_due=awaiting_due,
            )
        )
    return found


@dataclass(frozen=True)
class Override:
    override_id: int
    output: str
    source: str | None
    reason: str
    person: str
    expires_at: dt.datetime

    def covers(self, output: str, source: str) -> bool:
        return self.output in (output, "*") and self.source in (None, source)


def active_overrides(conn: psycopg.Connection, output: str) -> list[Override]:
    store.ensure_tables(conn)
    rows = conn.execute(
        """select override_id, output, source, reason, person, expires_at
           from input.freshness_overrides
           where output in (%s, '*') and revoked_at is null and expires_at > now()
           order by override_id""",
        (output,),
    ).fetchall()
    return [Override(*row) for row in rows]


def add_override(
    url: str,
    output: str,
    reason: str,
    person: str,
    expires_at: dt.datetime,
    source: str | None = None,
) -> int:
    """Record a Policy Team override (audited by trigger); returns its id."""
    with psycopg.connect(url) as conn:
        store.ensure_tables(conn)
        return conn.execute(
            """insert into input.freshness_overrides (output, source, reason, person, expires_at)
               values (%s, %s, %s, %s, %s) returning override_id""",
            (output, source, reason, person, expires_at),
        ).fetchone()[0]


def latest_due_month(today: dt.date | None = None) -> str:
    """The newest month whose data is due from any monthly source by today (YYYY-MM): where
    fresh demo data ends, so that nothing due is missing (later sources are simply early)."""
    today = today or london_today()
    monthly = [c for c in contracts.all_contracts().values() if has_rule(c)]
    monthly = [c for c in monthly if c.frequency == "monthly"]
    return f"{max(latest_due_period(c, today).start for c in monthly):%Y-%m}"
