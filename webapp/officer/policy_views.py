"""Policy Team pages: CMT focus lists, the reporting calendar, who owns what, the audit log."""

from itertools import chain

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from webapp.officer import grants, roles
from webapp.officer.access import role_only
from webapp.officer.forms import AssignmentForm, CalendarForm, DirectorForm, FocusForm
from webapp.officer.models import (
    CmtFocus,
    Commentary,
    ManualValue,
    Measure,
    MeasureAssignment,
    Purpose,
    PurposeDirector,
    ReportingCalendar,
    RoleGrant,
)
from webapp.officer.views import table_exists

policy_only = role_only(roles.POLICY)
OWNERS_PAGE = "Policy Team page: Who owns what"
AUDITED = {
    "Commentary": Commentary,
    "Manual value": ManualValue,
    "CMT focus": CmtFocus,
    "Reporting calendar": ReportingCalendar,
    "Measure assignment": MeasureAssignment,
    "Purpose director": PurposeDirector,
}


def _measures():
    return list(Measure.objects.all()) if table_exists("marts.dim_measures") else []


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


@policy_only
def index(request):
    return render(request, "officer/policy/index.html")


@policy_only
def focus(request):
    measures = _measures()
    form = FocusForm(request.POST or None, measures=measures)
    if request.method == "POST" and form.is_valid():
        measure_id, council_code = form.measure_key()
        CmtFocus.objects.create(
            cabinet_date=form.cleaned_data["cabinet_date"],
            measure_id=measure_id,
            council_code=council_code,
            reason=form.cleaned_data["reason"],
            added_by=request.user.username,
        )
        messages.success(request, "Added to the CMT focus list.")
        return redirect("policy_focus")
    names = {(m.measure_id, m.council_code): m.name for m in measures}
    items = [
        (f, names.get((f.measure_id, f.council_code), f.measure_id)) for f in CmtFocus.objects.all()
    ]
    return render(
        request, "officer/policy/focus.html", {"form": form, "items": items}, status=_status(form)
    )


@policy_only
@require_POST
def focus_remove(request, item_id: int):
    get_object_or_404(CmtFocus, pk=item_id).delete()
    messages.success(request, "Removed from the CMT focus list.")
    return redirect("policy_focus")


@policy_only
def calendar(request):
    form = CalendarForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Meeting added to the reporting calendar.")
        return redirect("policy_calendar")
    return render(
        request,
        "officer/policy/calendar.html",
        {"form": form, "meetings": ReportingCalendar.objects.all()},
        status=_status(form),
    )


@policy_only
@require_POST
def calendar_toggle(request, item_id: int):
    meeting = get_object_or_404(ReportingCalendar, pk=item_id)
    meeting.closed = not meeting.closed
    meeting.save()
    messages.success(request, "Cycle closed." if meeting.closed else "Cycle reopened.")
    return redirect("policy_calendar")


@policy_only
def owners(request):
    measures = _measures()
    purposes = list(Purpose.objects.all()) if table_exists("marts.dim_purposes") else []
    form = AssignmentForm(request.POST or None, measures=measures, prefix="measure")
    director_form = DirectorForm(None, purposes=purposes, prefix="director")
    if request.method == "POST" and request.POST.get("kind") == "director":
        form = AssignmentForm(None, measures=measures, prefix="measure")
        director_form = DirectorForm(request.POST, purposes=purposes, prefix="director")
        if director_form.is_valid():
            with grants.granting(request.user.username, OWNERS_PAGE):
                PurposeDirector.objects.get_or_create(
                    purpose_code=director_form.cleaned_data["purpose_code"],
                    user=director_form.cleaned_data["username"],
                )
            messages.success(request, "Director assigned.")
            return redirect("policy_owners")
    elif request.method == "POST" and form.is_valid() and _duties_apart(form):
        measure_id, council_code = form.measure_key()
        with grants.granting(request.user.username, OWNERS_PAGE):
            MeasureAssignment.objects.update_or_create(
                measure_id=measure_id,
                council_code=council_code,
                role=form.cleaned_data["role"],
                defaults={"user": form.cleaned_data["username"]},
            )
        messages.success(request, "Assignment saved.")
        return redirect("policy_owners")
    return render(
        request,
        "officer/policy/owners.html",
        {
            "form": form,
            "director_form": director_form,
            "assignments": MeasureAssignment.objects.select_related("user"),
            "directors": PurposeDirector.objects.select_related("user"),
        },
        status=400 if (form.is_bound and form.errors) or director_form.errors else 200,
    )


def _duties_apart(form) -> bool:
    """The owner (who writes) and the manager (who confirms) of a measure are two people."""
    measure_id, council_code = form.measure_key()
    other_role = "manager" if form.cleaned_data["role"] == "owner" else "owner"
    other = MeasureAssignment.objects.filter(
        measure_id=measure_id, council_code=council_code, role=other_role
    ).first()
    if other is not None and other.user_id == form.cleaned_data["username"].pk:
        form.add_error(
            "username",
            f"{other.user.username} is already the {other_role} of this measure: the manager "
            "who confirms commentary must be someone other than the owner who writes it.",
        )
        return False
    return True


def _changes(record) -> list[tuple[str, object, object]]:
    previous = record.prev_record
    if previous is None:
        return []
    delta = record.diff_against(previous)
    return [(c.field, c.old, c.new) for c in delta.changes]


@policy_only
def audit(request):
    records = sorted(
        chain.from_iterable(
            ((label, r) for r in model.history.select_related("history_user")[:200])
            for label, model in AUDITED.items()
        ),
        key=lambda pair: pair[1].history_date,
        reverse=True,
    )[:200]
    entries = [
        {
            "what": label,
            "record": record,
            "action": {"+": "Created", "~": "Changed", "-": "Deleted"}[record.history_type],
            "changes": _changes(record),
        }
        for label, record in records
    ]
    return render(
        request,
        "officer/policy/audit.html",
        {"entries": entries, "grants": RoleGrant.objects.all()[:200]},
    )
