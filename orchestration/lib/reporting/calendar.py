"""The reporting calendar (config/reporting_calendar.yml) as periods, meeting dates and crons.

Period keys: a Cabinet cycle is its meeting month ("2026-01"); Portfolio Holder briefings share
the key of the Cabinet they precede; an O&S period is its financial quarter ("2025-26-Q4").
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from orchestration.lib import environment, yamlfiles
from orchestration.lib.registers import known, validate
from orchestration.lib.registers.base import References
from orchestration.lib.registers.reporting import ReportingCalendar

KINDS = ("cabinet", "portfolio", "scrutiny")
CABINET_KEY = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER_KEY = re.compile(r"^(\d{4})-(\d{2})-Q([1-4])$")


@dataclass(frozen=True)
class Period:
    kind: str
    key: str
    period_start: dt.date
    period_end: dt.date
    meeting_date: dt.date
    pack_date: dt.date

    @property
    def label(self) -> str:
        if self.kind == "scrutiny":
            return f"{quarter_label(self.key)} ({_span(self.period_start, self.period_end)})"
        return f"Cabinet {self.meeting_date:%B %Y} ({_span(self.period_start, self.period_end)})"


def _span(start: dt.date, end: dt.date) -> str:
    if (start.year, start.month) == (end.year, end.month):
        return f"{start:%B %Y}"
    return f"{start:%B %Y} to {end:%B %Y}"


def quarter_label(key: str) -> str:
    year, _, quarter = QUARTER_KEY.match(key).groups()
    return f"Quarter {quarter} {year}/{int(year[2:]) + 1:02d}"


def calendar_path() -> Path:
    return environment.config_dir() / "reporting_calendar.yml"


def load(path: Path | None = None, refs: References | None = None) -> dict:
    """The calendar, validated (RegisterError names file and line), as a plain mapping; its
    councils checked against config/councils.yml (or `refs`)."""
    document = yamlfiles.read(path or calendar_path())
    refs = refs or known.references()
    return validate.load(document, ReportingCalendar, refs).model_dump()


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, month_calendar.monthrange(year, month)[1])


def cabinet_period(key: str, config: dict | None = None, kind: str = "cabinet") -> Period:
    config = config or load()
    match = CABINET_KEY.match(key)
    cabinet = config["cabinet"]
    if not match or int(match.group(2)) not in cabinet["months"]:
        months = ", ".join(f"{m:02d}" for m in cabinet["months"])
        raise ValueError(f"'{key}' is not a Cabinet cycle: use YYYY-MM with MM one of {months}.")
    year, month = int(match.group(1)), int(match.group(2))
    end_year, end_month = _add_months(year, month, -cabinet["data_lag_months"])
    start_year, start_month = _add_months(end_year, end_month, 1 - cabinet["months_covered"])
    meeting = dt.date(year, month, cabinet["meeting_day"])
    before = (
        config["portfolio_briefing"]["days_before_cabinet"]
        if kind == "portfolio"
        else cabinet["pack_days_before"]
    )
    return Period(
        kind=kind,
        key=key,
        period_start=dt.date(start_year, start_month, 1),
        period_end=_month_end(end_year, end_month),
        meeting_date=meeting,
        pack_date=meeting - dt.timedelta(days=before),
    )


def scrutiny_period(key: str, config: dict | None = None) -> Period:
    config = config or load()
    match = QUARTER_KEY.match(key)
    if not match or int(match.group(2)) != (int(match.group(1)) + 1) % 100:
        raise ValueError(f"'{key}' is not an O&S quarter: use e.g. 2025-26-Q4 (Q1 = April-June).")
    first_year, quarter = int(match.group(1)), int(match.group(3))
    start_year, start_month = _add_months(first_year, 4, 3 * (quarter - 1))
    end_year, end_month = _add_months(start_year, start_month, 2)
    scrutiny = config["scrutiny"]
    meet_year, meet_month = _add_months(end_year, end_month, scrutiny["months_after_quarter"])
    meeting = dt.date(meet_year, meet_month, scrutiny["meeting_day"])
    return Period(
        kind="scrutiny",
        key=key,
        period_start=dt.date(start_year, start_month, 1),
        period_end=_month_end(end_year, end_month),
        meeting_date=meeting,
        pack_date=meeting - dt.timedelta(days=scrutiny["pack_days_before"]),
    )


def period(kind: str, key: str, config: dict | None = None) -> Period:
    if kind == "scrutiny":
        return scrutiny_period(key, config)
    if kind in ("cabinet", "portfolio"):
        return cabinet_period(key, config, kind)
    raise ValueError(f"Unknown report kind '{kind}': use one of {', '.join(KINDS)}.")


def period_keys(kind: str, config: dict | None = None) -> list[str]:
    """Every period whose meeting falls inside the calendar's window, oldest first."""
    config = config or load()
    first, last = config["first_meeting"], config["last_meeting"]
    keys = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        if kind == "scrutiny":
            # The quarter that ends months_after_quarter before this month, if this month meets.
            end_year, end_month = _add_months(
                year, month, -config["scrutiny"]["months_after_quarter"]
            )
            if end_month in (3, 6, 9, 12):
                fy = end_year if end_month >= 4 else end_year - 1
                quarter = {6: 1, 9: 2, 12: 3, 3: 4}[end_month]
                keys.append(f"{fy}-{(fy + 1) % 100:02d}-Q{quarter}")
        elif month in config["cabinet"]["months"]:
            keys.append(f"{year}-{month:02d}")
        year, month = _add_months(year, month, 1)
    return [k for k in keys if first <= period(kind, k, config).meeting_date <= last]


def current_period(kind: str, today: dt.date, config: dict | None = None) -> Period:
    """The period a pack made on `today` reports: the newest whose pack date has come.

    It comes from the calendar and the date only, never from the data: rows already loaded for a
    later month neither move it nor hold it back; they are reported in their own period.
    """
    config = config or load()
    due = [
        p
        for p in (period(kind, key, config) for key in period_keys(kind, config))
        if p.pack_date <= today
    ]
    if not due:
        raise ValueError(
            f"No {kind} pack is due on or before {today:%d %B %Y} in the reporting calendar "
            f"(first meeting {config['first_meeting']:%d %B %Y}); name the period."
        )
    return due[-1]


def run_date(config: dict | None = None) -> dt.date:
    """Today in the calendar's timezone (Europe/London): the date a pack is made on."""
    return dt.datetime.now(ZoneInfo(timezone(config))).date()


def periods_containing(kind: str, day: dt.date, config: dict | None = None) -> list[Period]:
    """The reporting periods of a kind whose months include `day`."""
    config = config or load()
    candidates = (period(kind, key, config) for key in period_keys(kind, config))
    return [p for p in candidates if p.period_start <= day <= p.period_end]


def period_for_run(kind: str, run_date: dt.date, config: dict | None = None) -> Period | None:
    """The period a scheduled run on `run_date` produces: the one whose pack is due that day."""
    config = config or load()
    for key in period_keys(kind, config):
        candidate = period(kind, key, config)
        if candidate.pack_date == run_date:
            return candidate
    return None


def cron(kind: str, config: dict | None = None) -> str:
    """The cron (in the calendar's timezone) of the day each pack of `kind` is produced."""
    config = config or load()
    if kind == "scrutiny":
        section = config["scrutiny"]
        day = section["meeting_day"] - section["pack_days_before"]
        months = sorted(
            _add_months(2000, end, section["months_after_quarter"])[1] for end in (3, 6, 9, 12)
        )
    else:
        section = config["cabinet"]
        before = (
            config["portfolio_briefing"]["days_before_cabinet"]
            if kind == "portfolio"
            else section["pack_days_before"]
        )
        day = section["meeting_day"] - before
        months = sorted(section["months"])
    time_key = "portfolio_briefing" if kind == "portfolio" else kind
    hour, minute = (int(part) for part in config[time_key]["pack_time"].split(":"))
    return f"{minute} {hour} {day} {','.join(str(m) for m in months)} *"


def timezone(config: dict | None = None) -> str:
    return (config or load()).get("timezone", environment.TIMEZONE)
