"""The officer app's home page and the helpers its pages share. The pages themselves:
dashboard_views (the Dashboard), entry_views (measures, entry, review), work_views (My work),
director_views (the Director's area, sign-off), policy_views and quality_views (Policy Team)."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from webapp.officer import periods, roles
from webapp.officer.models import (
    Measure,
    ReportingCalendar,
)


def table_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("select to_regclass(%s) is not null", [name])
        return cursor.fetchone()[0]


def parse_period(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise Http404("Not a period") from error


def find_measure(council_code: str, measure_id: str) -> Measure:
    return get_object_or_404(Measure, measure_id=measure_id, council_code=council_code)


def home(request):
    # Those with input to give or judge land on their work (what was returned, and why, first);
    # members and the Policy Team on the Dashboard.
    if any(roles.has_role(request.user, r) for r in (roles.OFFICER, roles.MANAGER, roles.DIRECTOR)):
        return redirect("my_work")
    if roles.is_internal(request.user):
        return redirect("dashboard")
    if roles.has_role(request.user, roles.PARTNER):
        return render(request, "officer/partner.html")
    raise PermissionDenied("Your account has no role yet. Ask the Policy Team.")


def _open_periods(measure: Measure, today: date) -> list[date]:
    cycles = ReportingCalendar.objects.filter(council_code=measure.council_code, closed=False)
    starts = set()
    for cycle in cycles:
        # a period is open for input once it has ended: a month's figure comes after the month
        starts.update(
            s
            for s in periods.periods_within(cycle.period_start, cycle.period_end, measure.frequency)
            if periods.period_end(s, measure.frequency) < today
        )
    return sorted(starts, reverse=True)
