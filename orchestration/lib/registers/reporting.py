"""The models of the Policy Team's reporting registers: the member reporting calendar
(config/reporting_calendar.yml, docs/reports.md) and CMT's focus lists (config/cmt_focus.yml).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from orchestration.lib.registers.base import (
    CouncilCode,
    MeasureRef,
    Model,
    check_council_of,
    fail,
)

PackTime = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Day = Annotated[int, Field(ge=1, le=31)]
Days = Annotated[int, Field(ge=0)]
Month = Annotated[int, Field(ge=1, le=12)]


class Cabinet(Model):
    months: Annotated[list[Month], Field(min_length=1)]
    """The months Cabinet meets (1-12)."""
    meeting_day: Day
    """The nominal day of the month of the meeting."""
    pack_days_before: Days
    """The pack is produced (and normally issued) this many days before the meeting."""
    data_lag_months: Days
    """A cycle reports the whole months that end this many months before the meeting month."""
    months_covered: Annotated[int, Field(ge=1)]
    pack_time: PackTime
    """When the pack is made (HH:MM)."""


class PortfolioBriefing(Model):
    days_before_cabinet: Days
    """One briefing per portfolio this many days before each Cabinet (same period)."""
    pack_time: PackTime


class Scrutiny(Model):
    months_after_quarter: Days
    """O&S meets this many months after the quarter ends (Q1 = April to June)."""
    meeting_day: Day
    pack_days_before: Days
    pack_time: PackTime


class ReportingCalendar(Model):
    """config/reporting_calendar.yml: when each member pack is made and what it reports."""

    timezone: str = "Europe/London"
    first_meeting: dt.date
    """Reporting periods exist for meetings from this date..."""
    last_meeting: dt.date
    """...to this one."""
    councils: Annotated[list[CouncilCode], Field(min_length=1)]
    """Which councils get packs."""
    cabinet: Cabinet
    portfolio_briefing: PortfolioBriefing
    scrutiny: Scrutiny

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            fail(f"{name!r} is not a time zone (Europe/London)")
        return name

    @model_validator(mode="after")
    def _monthly_crons(self) -> ReportingCalendar:
        if self.last_meeting < self.first_meeting:
            fail("is before first_meeting", "last_meeting")
        before = max(self.cabinet.pack_days_before, self.portfolio_briefing.days_before_cabinet)
        # Packs are produced in the meeting month, so a monthly cron can express the schedule.
        for name, section, days in (
            ("cabinet", self.cabinet, before),
            ("scrutiny", self.scrutiny, self.scrutiny.pack_days_before),
        ):
            if not 1 <= section.meeting_day - days <= 28:
                fail(
                    f"meeting_day ({section.meeting_day}) minus the days before ({days}) must "
                    "fall on days 1-28 of the month",
                    f"{name}.meeting_day",
                )
        return self


class FocusItem(Model):
    measure_id: MeasureRef
    reason: str = ""
    """Why CMT asks Cabinet to focus on it (shown in the pack)."""


class FocusList(Model):
    from_: dt.date = Field(alias="from")
    """A Cabinet cycle uses the newest list whose date is on or before its meeting."""
    council_code: CouncilCode
    added_by: str = ""
    measures: Annotated[list[FocusItem], Field(min_length=1)]

    @model_validator(mode="after")
    def _applies(self, info: ValidationInfo) -> FocusList:
        for index, item in enumerate(self.measures):
            check_council_of(
                item.measure_id, self.council_code, info, f"measures.{index}.measure_id"
            )
        return self


class FocusLists(Model):
    """config/cmt_focus.yml: the measures CMT asks Cabinet to focus on, as dated lists."""

    lists: list[FocusList]
