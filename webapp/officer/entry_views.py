"""The measure page, the entry form and the manager's review (one at a time, or several
confirmed at once). Each shows the same context beside the commentary
(entry_context.measure_context, template officer/_measure_context.html)."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render

from webapp.officer import names, periods, roles, workflow
from webapp.officer.access import internal_only, role_only
from webapp.officer.entry_context import (
    measure_context,
    review_queue,
    unusual_limits,
    value_text,
)
from webapp.officer.forms import EntryForm, ReturnForm
from webapp.officer.models import (
    Commentary,
    ManualValue,
    MeasureAssignment,
    ReportingCalendar,
)
from webapp.officer.views import _open_periods, find_measure, parse_period


def _period_words(measure, start: date) -> str:
    return names.period_text(start, measure.frequency)


@internal_only
def measure_detail(request, council_code: str, measure_id: str):
    measure = find_measure(council_code, measure_id)
    in_progress = roles.sees_work_in_progress(request.user, measure)
    commentary = Commentary.objects.filter(measure_id=measure_id, council_code=council_code)
    values = ManualValue.objects.filter(measure_id=measure_id, council_code=council_code)
    if not in_progress:
        # Members and other staff see commentary once the Director has signed it off.
        commentary = commentary.filter(status="signed_off")
        values = values.filter(status="confirmed")
    owner = roles.owns(request.user, measure)
    return render(
        request,
        "officer/measure.html",
        {
            "measure": measure,
            "context": measure_context(measure),
            "commentary": [
                (c, _period_words(measure, c.period_start))
                for c in commentary.order_by("-period_start")
            ],
            "values": [
                (v, _period_words(measure, v.period_start), value_text(v, measure))
                for v in values.order_by("-period_start")
            ],
            "is_owner": owner,
            "is_manager": roles.manages(request.user, measure),
            "is_director": roles.directs(request.user, measure),
            "open_periods": [
                (p, _period_words(measure, p)) for p in _open_periods(measure, date.today())
            ]
            if owner
            else [],
            "assignments": MeasureAssignment.objects.filter(
                measure_id=measure_id, council_code=council_code
            ).select_related("user"),
        },
    )


def _initial(commentary, value) -> dict:
    initial = {}
    if commentary is not None:
        initial |= {
            "what_data_shows": commentary.what_data_shows,
            "why": commentary.why,
            "what_we_are_doing": commentary.what_we_are_doing,
        }
    if value is not None:
        initial |= {
            "value": value.value,
            "numerator": value.numerator,
            "denominator": value.denominator,
            "unusual_value_reason": value.unusual_value_reason,
        }
    return initial


@role_only(roles.OFFICER)
def enter(request, council_code: str, measure_id: str, period: str):
    measure = find_measure(council_code, measure_id)
    start = parse_period(period)
    if not roles.owns(request.user, measure):
        raise PermissionDenied("You can only enter input for measures you own.")
    commentary, value = workflow.current(measure, start)
    editable = workflow.editable(commentary, value)
    cycles = ReportingCalendar.objects.filter(council_code=council_code, closed=False)
    problem = periods.open_problem(cycles, start, measure.frequency, date.today())
    context = measure_context(measure, start)
    value_locked = workflow.value_locked(value)
    options = {
        "measure": measure,
        "period_problem": problem,
        "limits": unusual_limits(context),
        "value_locked": value_locked,
    }
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("This input is submitted or confirmed and is locked.")
        submit = request.POST.get("action") == "submit"
        form = EntryForm(request.POST, submitting=submit, **options)
        if form.is_valid():
            workflow.save_entry(measure, start, form.cleaned_data, request.user.username, submit)
            messages.success(
                request,
                "Submitted to your manager for confirmation." if submit else "Draft saved.",
            )
            return redirect("measure", council_code=council_code, measure_id=measure_id)
    else:
        form = EntryForm(initial=_initial(commentary, value), submitting=False, **options)
    show_reason = "value" in form.fields and (
        form.value_is_unusual or bool(value is not None and value.unusual_value_reason)
    )
    return render(
        request,
        "officer/enter.html",
        {
            "measure": measure,
            "context": context,
            "period_start": start,
            "period_words": context.period,
            "period_end": periods.period_end(start, measure.frequency)
            if periods.is_period_start(start, measure.frequency)
            else None,
            "form": form,
            "commentary": commentary,
            "editable": editable,
            "problem": problem,
            "show_reason": show_reason,
            "value": value,
            "value_locked": value_locked,
            "value_text": value_text(value, measure),
        },
        status=200 if request.method == "GET" or form.is_valid() else 400,
    )


def _confirm_selected(request) -> list[str]:
    """Confirm each chosen submission this manager may confirm; the problems, in words."""
    chosen = request.POST.getlist("confirm")
    if not chosen:
        return ["Select at least one submission to confirm."]
    queue = {item.key: item for item in review_queue(request.user)}
    confirmed, problems = [], []
    for key in chosen:
        item = queue.get(key)
        if item is None:
            problems.append(
                "One of the submissions you chose is no longer waiting for you: it may have "
                "been confirmed or returned already."
            )
            continue
        what = f"{item.measure.name} ({item.council}), {item.period}"
        if not item.may_confirm:
            problems.append(f"{what}: {workflow.SELF_CONFIRM}")
            continue
        try:
            workflow.confirm(item.measure, item.commentary.period_start, request.user.username)
        except (workflow.SamePerson, workflow.Locked) as error:
            problems.append(f"{what}: {error}")
        else:
            confirmed.append(what)
    if confirmed:
        messages.success(request, "Confirmed: " + "; ".join(confirmed) + ".")
    return problems


@role_only(roles.MANAGER)
def review_list(request):
    problems = []
    if request.method == "POST":
        problems = _confirm_selected(request)
        if not problems:
            return redirect("review_list")
    queue = review_queue(request.user)
    # The error summary links to the first box that can be ticked.
    first = next((n for n, item in enumerate(queue, start=1) if item.may_confirm), None)
    return render(
        request,
        "officer/review_list.html",
        {"queue": queue, "problems": problems, "first_choice": first},
        status=400 if problems else 200,
    )


@role_only(roles.MANAGER)
def review(request, council_code: str, measure_id: str, period: str):
    measure = find_measure(council_code, measure_id)
    start = parse_period(period)
    if not roles.manages(request.user, measure):
        raise PermissionDenied("You can only confirm measures you manage.")
    commentary, value = workflow.current(measure, start)
    if commentary is None:
        raise Http404("No commentary for that period")
    words = _period_words(measure, start)
    return_form = ReturnForm()
    refused = None
    if request.method == "POST":
        if commentary.status != "submitted":
            raise PermissionDenied("Only submitted input can be confirmed or returned.")
        if request.POST.get("action") == "confirm":
            try:
                workflow.confirm(measure, start, request.user.username)
            except workflow.SamePerson as error:
                refused = str(error)
            else:
                messages.success(request, f"Confirmed: {measure.name}, {words}.")
                return redirect("review_list")
        else:
            return_form = ReturnForm(request.POST)
            if return_form.is_valid():
                workflow.return_to_officer(
                    measure,
                    start,
                    request.user.username,
                    return_form.cleaned_data["return_reason"],
                )
                messages.success(request, f"Returned to the officer: {measure.name}, {words}.")
                return redirect("review_list")
    return render(
        request,
        "officer/review.html",
        {
            "measure": measure,
            "context": measure_context(measure, start),
            "period_start": start,
            "period_words": words,
            "commentary": commentary,
            "value": value,
            "value_text": value_text(value, measure),
            "return_form": return_form,
            "may_confirm": workflow.may_confirm(commentary, value, request.user.username),
            "refused": refused,
        },
        status=403 if refused else 400 if return_form.errors else 200,
    )
