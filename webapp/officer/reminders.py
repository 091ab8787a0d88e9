"""What each owner must do for the next Cabinet, and what is overdue."""

from dataclasses import dataclass
from datetime import date

from webapp.officer import periods
from webapp.officer.models import Commentary, Measure, MeasureAssignment, ReportingCalendar


@dataclass
class Task:
    measure: Measure
    period_start: date
    meeting: ReportingCalendar
    state: str  # "not started" | "draft" | "returned" | "submitted"

    @property
    def overdue(self) -> bool:
        return self.meeting.meeting_date < date.today()


def _latest_period(measure: Measure, cycle: ReportingCalendar, today: date) -> date | None:
    starts = [
        start
        for start in periods.periods_within(cycle.period_start, cycle.period_end, measure.frequency)
        if start <= today
    ]
    return starts[-1] if starts else None


def tasks_for(user, today: date | None = None) -> tuple[list[Task], list[Task]]:
    """(due for the next Cabinet, overdue): owned measures' periods not yet confirmed."""
    today = today or date.today()
    keys = MeasureAssignment.objects.filter(user=user, role="owner").values_list(
        "measure_id", "council_code"
    )
    due, overdue = [], []
    cycles = list(ReportingCalendar.objects.filter(event="cabinet", closed=False))
    for measure_id, council_code in keys:
        measure = Measure.objects.filter(measure_id=measure_id, council_code=council_code).first()
        if measure is None:
            continue
        council_cycles = [c for c in cycles if c.council_code == council_code]
        upcoming = [c for c in council_cycles if c.meeting_date >= today][:1]
        past = [c for c in council_cycles if c.meeting_date < today]
        for cycle in past + upcoming:
            task = _task(measure, cycle, today)
            if task is None:
                continue
            if cycle in upcoming:
                due.append(task)
            elif task.state != "submitted":
                overdue.append(task)
    return due, overdue


def _task(measure: Measure, cycle: ReportingCalendar, today: date) -> Task | None:
    start = _latest_period(measure, cycle, today)
    if start is None:
        return None
    commentary = Commentary.objects.filter(
        measure_id=measure.measure_id, council_code=measure.council_code, period_start=start
    ).first()
    if commentary is not None and commentary.status in ("confirmed", "signed_off"):
        return None
    return Task(measure, start, cycle, commentary.status if commentary else "not started")
