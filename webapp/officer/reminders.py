"""What each person must do for the coming Cabinet, and what is overdue.

Owners: their measures' periods in the coming Cabinet cycle not yet submitted (due), those of
past Cabinet cycles still open and never submitted (overdue), and what their manager returned.
Managers: submitted input of the measures they manage. Directors: confirmed commentary of the
measures under them. The pages (My work, the Director's page) and the reminder emails
(emails.py) read the same lists.
"""

from datetime import date

from webapp.officer import cycle, roles, workflow
from webapp.officer.cycle import Item
from webapp.officer.models import Commentary


def tasks_for(user, today: date | None = None) -> tuple[list[Item], list[Item]]:
    """(due for the coming Cabinet, overdue) for the measures this person owns."""
    today = today or date.today()
    owned = roles.owned_measures(user)
    due = [i for i in cycle.coming_items(owned, today) if i.state == cycle.NOT_SUBMITTED]
    overdue = cycle.overdue_items(owned, today)
    return due, overdue


def returned_to(user) -> list[tuple[object, Commentary]]:
    """Commentary of this owner's measures that a manager returned, with the reason."""
    owned = {(m.measure_id, m.council_code): m for m in roles.owned_measures(user)}
    returned = Commentary.objects.filter(
        status="returned", measure_id__in={k[0] for k in owned}
    ).order_by("period_start")
    return [
        (owned[(c.measure_id, c.council_code)], c)
        for c in returned
        if (c.measure_id, c.council_code) in owned
    ]


def to_confirm(user) -> list[tuple[object, Commentary, bool]]:
    """Submitted commentary of the measures this manager manages, each with whether this
    manager may confirm it (not their own work)."""
    managed = {(m.measure_id, m.council_code): m for m in roles.managed_measures(user)}
    submitted = Commentary.objects.filter(
        status="submitted", measure_id__in={k[0] for k in managed}
    ).order_by("period_start")
    found = []
    for c in submitted:
        measure = managed.get((c.measure_id, c.council_code))
        if measure is not None:
            _, value = workflow.current(measure, c.period_start)
            found.append((measure, c, workflow.may_confirm(c, value, user.username)))
    return found


def to_sign_off(user) -> list[tuple[object, Commentary, bool]]:
    """Confirmed commentary of the measures under this Director, each with whether this
    Director may sign it off (neither its author nor its confirmer)."""
    directed = {(m.measure_id, m.council_code): m for m in roles.directed_measures(user)}
    confirmed = Commentary.objects.filter(
        status="confirmed", measure_id__in={k[0] for k in directed}
    ).order_by("period_start")
    return [
        (directed[(c.measure_id, c.council_code)], c, workflow.may_sign_off(c, user.username))
        for c in confirmed
        if (c.measure_id, c.council_code) in directed
    ]
