"""Each measure's period in a Cabinet cycle and how far its input has got.

A Cabinet meeting's reporting window (input.reporting_calendar) holds the periods its pack
reports. A measure's period in the cycle is its latest period that has ended (a month's
figure and commentary are written after the month), ends inside the window and is open for
input (some open cycle's window holds all of it: a quarter is open through its Overview and
Scrutiny cycle). A two-month window holds one month but a quarter only
when the quarter ends in it, so a quarterly measure is in every other Cabinet cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from orchestration.lib.names import COUNCIL_NAMES
from webapp.officer import periods
from webapp.officer.models import Commentary, ManualValue, ReportingCalendar

NOT_SUBMITTED = "not_submitted"
AWAITING_CONFIRMATION = "awaiting_confirmation"
AWAITING_SIGN_OFF = "awaiting_sign_off"
DONE = "done"
STATES = (NOT_SUBMITTED, AWAITING_CONFIRMATION, AWAITING_SIGN_OFF, DONE)
STATE_LABELS = {
    NOT_SUBMITTED: "Not submitted",
    AWAITING_CONFIRMATION: "Awaiting confirmation",
    AWAITING_SIGN_OFF: "Awaiting sign-off",
    DONE: "Signed off",
}


@dataclass
class Item:
    measure: object
    period_start: date
    meeting: ReportingCalendar
    commentary: Commentary | None
    value: ManualValue | None

    @property
    def state(self) -> str:
        status = self.commentary.status if self.commentary else None
        return {
            "submitted": AWAITING_CONFIRMATION,
            "confirmed": AWAITING_SIGN_OFF,
            "signed_off": DONE,
        }.get(status, NOT_SUBMITTED)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def progress(self) -> str:
        """Where the owner's part stands, in words."""
        c = self.commentary
        if c is None:
            if self.value is not None and self.value.status == "confirmed":
                return "Value confirmed; commentary not written yet"
            return "Not started"
        if c.status == "draft":
            return "Draft saved, not submitted"
        if c.status == "returned":
            return "Returned by the manager"
        return self.state_label

    @property
    def council_name(self) -> str:
        return COUNCIL_NAMES.get(self.measure.council_code, self.measure.council_code)

    @property
    def overdue(self) -> bool:
        return self.meeting.meeting_date < date.today()


def open_cycles(council_code: str) -> list[ReportingCalendar]:
    return list(ReportingCalendar.objects.filter(council_code=council_code, closed=False))


def coming_cabinet(council_code: str, today: date) -> ReportingCalendar | None:
    return (
        ReportingCalendar.objects.filter(
            event="cabinet", council_code=council_code, closed=False, meeting_date__gte=today
        )
        .order_by("meeting_date")
        .first()
    )


def past_open_cabinets(council_code: str, today: date) -> list[ReportingCalendar]:
    return list(
        ReportingCalendar.objects.filter(
            event="cabinet", council_code=council_code, closed=False, meeting_date__lt=today
        ).order_by("meeting_date")
    )


def period_in(measure, meeting: ReportingCalendar, cycles, today: date) -> date | None:
    """The measure's period reported by this meeting, or None (see the module's docstring)."""
    found = None
    month = date(meeting.period_start.year, meeting.period_start.month, 1)
    months_back = periods.FREQUENCY_MONTHS.get(measure.frequency, 1) - 1
    start = periods.add_months(month, -months_back)
    while start <= meeting.period_end and start <= today:
        end = periods.period_end(start, measure.frequency)
        if (
            periods.is_period_start(start, measure.frequency)
            and end < today
            and meeting.period_start <= end <= meeting.period_end
            and periods.covering_cycle(cycles, start, measure.frequency) is not None
        ):
            found = start
        start = periods.add_months(start, 1)
    return found


def items(measures, meeting_for, today: date | None = None) -> list[Item]:
    """One Item per measure that has a period in the meeting `meeting_for(council_code)`."""
    today = today or date.today()
    cycles_by_council: dict[str, list] = {}
    wanted = []
    for measure in measures:
        meeting = meeting_for(measure.council_code)
        if meeting is None:
            continue
        cycles = cycles_by_council.setdefault(
            measure.council_code, open_cycles(measure.council_code)
        )
        start = period_in(measure, meeting, cycles, today)
        if start is not None:
            wanted.append((measure, start, meeting))
    if not wanted:
        return []
    ids = {m.measure_id for m, _, _ in wanted}
    starts = {s for _, s, _ in wanted}
    commentary = {
        (c.measure_id, c.council_code, c.period_start): c
        for c in Commentary.objects.filter(measure_id__in=ids, period_start__in=starts)
    }
    values = {
        (v.measure_id, v.council_code, v.period_start): v
        for v in ManualValue.objects.filter(measure_id__in=ids, period_start__in=starts)
    }
    return [
        Item(
            m,
            s,
            meeting,
            commentary.get((m.measure_id, m.council_code, s)),
            values.get((m.measure_id, m.council_code, s)),
        )
        for m, s, meeting in wanted
    ]


def coming_items(measures, today: date | None = None) -> list[Item]:
    """Each measure's period in its council's coming Cabinet cycle."""
    today = today or date.today()
    meetings: dict[str, ReportingCalendar | None] = {}

    def meeting_for(council_code: str):
        if council_code not in meetings:
            meetings[council_code] = coming_cabinet(council_code, today)
        return meetings[council_code]

    return items(measures, meeting_for, today)


def overdue_items(measures, today: date | None = None) -> list[Item]:
    """Periods of past Cabinet cycles still open whose input was never submitted."""
    today = today or date.today()
    found = []
    councils = {m.council_code for m in measures}
    for council in sorted(councils):
        own = [m for m in measures if m.council_code == council]
        for meeting in past_open_cabinets(council, today):
            found += [
                i
                for i in items(own, lambda _code, meeting=meeting: meeting, today)
                if i.state == NOT_SUBMITTED
            ]
    return found
