"""My work: what the signed-in person has to do, whatever their roles."""

from datetime import date

from django.shortcuts import render

from orchestration.lib.names import COUNCIL_NAMES
from webapp.officer import cycle, posts, reminders, roles
from webapp.officer.access import internal_only


def _council(measure) -> str:
    return COUNCIL_NAMES.get(measure.council_code, measure.council_code)


@internal_only
def my_work(request):
    user = request.user
    today = date.today()
    due, overdue = reminders.tasks_for(user, today)
    returned = [
        {"measure": m, "commentary": c, "council": _council(m)}
        for m, c in reminders.returned_to(user)
    ]
    to_confirm, to_sign_off, area = [], [], None
    if roles.has_role(user, roles.MANAGER):
        queue = reminders.to_confirm(user)
        names = posts.display_names({c.author for _, c, _ in queue})
        to_confirm = [
            {
                "measure": m,
                "commentary": c,
                "allowed": allowed,
                "council": _council(m),
                "author": names.get(c.author, c.author),
            }
            for m, c, allowed in queue
        ]
    if roles.has_role(user, roles.DIRECTOR):
        to_sign_off = [
            {"measure": m, "commentary": c, "allowed": allowed, "council": _council(m)}
            for m, c, allowed in reminders.to_sign_off(user)
        ]
        items = cycle.coming_items(roles.directed_measures(user), today)
        area = [
            (cycle.STATE_LABELS[s], sum(1 for i in items if i.state == s)) for s in cycle.STATES
        ]
    return render(
        request,
        "officer/my_work.html",
        {
            "due": due,
            "overdue": overdue,
            "returned": returned,
            "to_confirm": to_confirm,
            "to_sign_off": to_sign_off,
            "area": area,
            "is_officer": roles.has_role(user, roles.OFFICER),
            "is_manager": roles.has_role(user, roles.MANAGER),
            "is_director": roles.has_role(user, roles.DIRECTOR),
        },
    )
