"""Pages of the officer app: Dashboard, measure pages, entry, review, reminders."""

import base64
from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from webapp.officer import periods, reminders, roles, workflow
from webapp.officer.access import internal_only, role_only
from webapp.officer.forms import EntryForm, ReturnForm, SaveViewForm
from webapp.officer.models import (
    Commentary,
    ManualValue,
    Measure,
    MeasureAssignment,
    MeasureIcon,
    Purpose,
    PurposeDirector,
    ReportingCalendar,
    SavedView,
)

FILTERS = {
    "council": "council_code",
    "purpose": "purpose_code",
    "team": "team",
    "service": "service_area",
    "locality": "locality",
}


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
    if roles.is_internal(request.user):
        return redirect("dashboard")
    if roles.has_role(request.user, roles.PARTNER):
        return render(request, "officer/partner.html")
    raise PermissionDenied("Your account has no role yet. Ask the Policy Team.")


def _filters(request) -> dict[str, str]:
    chosen = {key: request.GET.get(key, "") for key in FILTERS if request.GET.get(key)}
    if not chosen and "all" not in request.GET:
        default = SavedView.objects.filter(user=request.user, is_default=True).first()
        if default is not None:
            chosen = {k: v for k, v in default.filters.items() if k in FILTERS and v}
    return chosen


def _icons(measures) -> dict:
    if not measures or not table_exists("analysis.measure_icons"):
        return {}
    icons = MeasureIcon.objects.filter(measure_id__in={m.measure_id for m in measures})
    return {(i.measure_id, i.council_code): i for i in icons}


def chart_src(icon) -> str | None:
    """The chart SVG as a data: URL for an <img>: scripts in it can never run."""
    if icon is None or not icon.chart_svg:
        return None
    return "data:image/svg+xml;base64," + base64.b64encode(icon.chart_svg.encode()).decode()


@internal_only
def dashboard(request):
    if not table_exists("marts.dim_measures"):
        return render(request, "officer/not_built.html", status=503)
    chosen = _filters(request)
    measures = list(
        Measure.objects.filter(**{FILTERS[key]: value for key, value in chosen.items()})
    )
    icons = _icons(measures)
    rows = [(m, icons.get((m.measure_id, m.council_code))) for m in measures]
    options = {
        key: sorted(v for v in Measure.objects.values_list(column, flat=True).distinct() if v)
        for key, column in FILTERS.items()
    }
    purposes = (
        {p.purpose_code: p.purpose_name for p in Purpose.objects.all()}
        if table_exists("marts.dim_purposes")
        else {}
    )
    return render(
        request,
        "officer/dashboard.html",
        {
            "rows": [(m, icon, chart_src(icon)) for m, icon in rows],
            "chosen": chosen,
            "options": options,
            "purposes": purposes,
            "saved_views": SavedView.objects.filter(user=request.user),
            "save_form": SaveViewForm(),
        },
    )


@internal_only
@require_POST
def save_view(request):
    form = SaveViewForm(request.POST)
    filters = {key: request.POST.get(key, "") for key in FILTERS if request.POST.get(key)}
    if form.is_valid():
        if form.cleaned_data["is_default"]:
            SavedView.objects.filter(user=request.user).update(is_default=False)
        SavedView.objects.update_or_create(
            user=request.user,
            name=form.cleaned_data["name"],
            defaults={"filters": filters, "is_default": form.cleaned_data["is_default"]},
        )
        messages.success(request, f"View '{form.cleaned_data['name']}' saved.")
    else:
        messages.error(request, "Give the view a name (up to 80 characters) to save it.")
    return redirect(reverse("dashboard") + "?" + "&".join(f"{k}={v}" for k, v in filters.items()))


@internal_only
@require_POST
def delete_view(request, view_id: int):
    get_object_or_404(SavedView, pk=view_id, user=request.user).delete()
    messages.success(request, "View deleted.")
    return redirect("dashboard")


def _open_periods(measure: Measure, today: date) -> list[date]:
    cycles = ReportingCalendar.objects.filter(council_code=measure.council_code, closed=False)
    starts = set()
    for cycle in cycles:
        starts.update(
            s
            for s in periods.periods_within(cycle.period_start, cycle.period_end, measure.frequency)
            if s <= today
        )
    return sorted(starts, reverse=True)


@internal_only
def measure_detail(request, council_code: str, measure_id: str):
    measure = find_measure(council_code, measure_id)
    icon = _icons([measure]).get((measure.measure_id, measure.council_code))
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
            "icon": icon,
            "chart_src": chart_src(icon),
            "commentary": commentary.order_by("-period_start"),
            "values": values.order_by("-period_start"),
            "is_owner": owner,
            "is_manager": roles.manages(request.user, measure),
            "is_director": roles.directs(request.user, measure),
            "open_periods": _open_periods(measure, date.today()) if owner else [],
            "assignments": MeasureAssignment.objects.filter(
                measure_id=measure_id, council_code=council_code
            ).select_related("user"),
        },
    )


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
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("This input is submitted or confirmed and is locked.")
        submit = request.POST.get("action") == "submit"
        form = EntryForm(request.POST, measure=measure, submitting=submit, period_problem=problem)
        if form.is_valid():
            workflow.save_entry(measure, start, form.cleaned_data, request.user.username, submit)
            messages.success(
                request,
                "Submitted to your manager for confirmation." if submit else "Draft saved.",
            )
            return redirect("measure", council_code=council_code, measure_id=measure_id)
    else:
        initial = {}
        if commentary is not None:
            initial |= {
                "what_data_shows": commentary.what_data_shows,
                "what_we_are_doing": commentary.what_we_are_doing,
            }
        if value is not None:
            initial |= {
                "value": value.value,
                "numerator": value.numerator,
                "denominator": value.denominator,
            }
        form = EntryForm(initial=initial, measure=measure, submitting=False, period_problem=problem)
    return render(
        request,
        "officer/enter.html",
        {
            "measure": measure,
            "period_start": start,
            "period_end": periods.period_end(start, measure.frequency)
            if periods.is_period_start(start, measure.frequency)
            else None,
            "form": form,
            "commentary": commentary,
            "editable": editable,
            "problem": problem,
        },
        status=200 if request.method == "GET" or form.is_valid() else 400,
    )


@internal_only
def my_work(request):
    due, overdue = reminders.tasks_for(request.user)
    to_review = []
    if roles.has_role(request.user, roles.MANAGER):
        to_review = _review_queue(request.user)
    return render(
        request,
        "officer/my_work.html",
        {"due": due, "overdue": overdue, "to_review": to_review},
    )


def _review_queue(user) -> list[Commentary]:
    managed = set(
        MeasureAssignment.objects.filter(user=user, role="manager").values_list(
            "measure_id", "council_code"
        )
    )
    submitted = Commentary.objects.filter(status="submitted").order_by("period_start")
    return [c for c in submitted if (c.measure_id, c.council_code) in managed]


@role_only(roles.MANAGER)
def review_list(request):
    return render(request, "officer/review_list.html", {"queue": _review_queue(request.user)})


@role_only(roles.MANAGER)
def review(request, council_code: str, measure_id: str, period: str):
    measure = find_measure(council_code, measure_id)
    start = parse_period(period)
    if not roles.manages(request.user, measure):
        raise PermissionDenied("You can only confirm measures you manage.")
    commentary, value = workflow.current(measure, start)
    if commentary is None:
        raise Http404("No commentary for that period")
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
                messages.success(request, f"Confirmed: {measure.name}, {start:%B %Y}.")
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
                messages.success(
                    request, f"Returned to the officer: {measure.name}, {start:%B %Y}."
                )
                return redirect("review_list")
    return render(
        request,
        "officer/review.html",
        {
            "measure": measure,
            "period_start": start,
            "commentary": commentary,
            "value": value,
            "return_form": return_form,
            "may_confirm": workflow.may_confirm(commentary, value, request.user.username),
            "refused": refused,
        },
        status=403 if refused else 400 if return_form.errors else 200,
    )


def _sign_off_queue(user) -> list[tuple[Commentary, bool]]:
    """Confirmed commentary of the measures under the purposes this Director signs off, each
    with whether this Director may sign it off (not its author or confirmer)."""
    if not table_exists("marts.dim_measures"):
        return []
    purposes = PurposeDirector.objects.filter(user=user).values_list("purpose_code", flat=True)
    directed = set(
        Measure.objects.filter(purpose_code__in=list(purposes)).values_list(
            "measure_id", "council_code"
        )
    )
    confirmed = Commentary.objects.filter(status="confirmed").order_by("period_start")
    return [
        (c, workflow.may_sign_off(c, user.username))
        for c in confirmed
        if (c.measure_id, c.council_code) in directed
    ]


@role_only(roles.DIRECTOR)
def sign_off_list(request):
    return render(request, "officer/sign_off_list.html", {"queue": _sign_off_queue(request.user)})


@role_only(roles.DIRECTOR)
def sign_off(request, council_code: str, measure_id: str, period: str):
    measure = find_measure(council_code, measure_id)
    start = parse_period(period)
    if not roles.directs(request.user, measure):
        raise PermissionDenied("You can only sign off measures under purposes you direct.")
    commentary, value = workflow.current(measure, start)
    if commentary is None:
        raise Http404("No commentary for that period")
    refused = None
    if request.method == "POST":
        if commentary.status != "confirmed":
            raise PermissionDenied("Only confirmed commentary can be signed off.")
        try:
            workflow.sign_off(measure, start, request.user.username)
        except workflow.SamePerson as error:
            refused = str(error)
        else:
            messages.success(request, f"Signed off: {measure.name}, {start:%B %Y}.")
            return redirect("sign_off_list")
    return render(
        request,
        "officer/sign_off.html",
        {
            "measure": measure,
            "period_start": start,
            "commentary": commentary,
            "value": value,
            "may_sign_off": workflow.may_sign_off(commentary, request.user.username),
            "refused": refused,
        },
        status=403 if refused else 200,
    )
