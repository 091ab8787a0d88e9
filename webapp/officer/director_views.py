"""The Director's page (every measure under them, what is outstanding for the coming Cabinet,
exceptions, signing off the cycle's commentary) and the sign-off pages."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from orchestration.lib.names import COUNCIL_NAMES
from webapp.officer import cycle, posts, reminders, roles, workflow
from webapp.officer.access import role_only
from webapp.officer.models import Measure, MeasureIcon, Purpose
from webapp.officer.tables import table_exists

# analysis.measure_icons values that make a measure an exception, as the charts word them.
EXCEPTIONS = {
    "concern_high": "Special cause concern (high)",
    "concern_low": "Special cause concern (low)",
}
ASSURANCE_EXCEPTIONS = {"fail": "Target consistently missed"}


def _parse_period(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise Http404("Not a period") from error


def _purpose_names() -> dict[str, str]:
    if not table_exists("marts.dim_purposes"):
        return {}
    return dict(Purpose.objects.values_list("purpose_code", "purpose_name"))


def exceptions_of(measures) -> list[dict]:
    """Measures whose chart shows special cause concern or whose target is consistently
    missed."""
    if not measures or not table_exists("analysis.measure_icons"):
        return []
    by_key = {(m.measure_id, m.council_code): m for m in measures}
    found = []
    icons = MeasureIcon.objects.filter(measure_id__in={m.measure_id for m in measures})
    for icon in icons:
        measure = by_key.get((icon.measure_id, icon.council_code))
        reasons = [
            text
            for text in (
                EXCEPTIONS.get(icon.variation_icon),
                ASSURANCE_EXCEPTIONS.get(icon.assurance_icon),
            )
            if text
        ]
        if measure is not None and reasons:
            found.append(
                {
                    "measure": measure,
                    "council": COUNCIL_NAMES.get(measure.council_code, measure.council_code),
                    "reasons": reasons,
                }
            )
    return sorted(found, key=lambda e: (e["measure"].name, e["council"]))


def _rows(items, names) -> list[dict]:
    return [
        {
            "item": i,
            "author": names.get(i.commentary.author, "") if i.commentary else "",
            "confirmer": names.get(i.commentary.confirmed_by or "", "") if i.commentary else "",
        }
        for i in items
    ]


@role_only(roles.DIRECTOR)
def director(request):
    measures = roles.directed_measures(request.user)
    today = date.today()
    items = cycle.coming_items(measures, today)
    names = posts.display_names(
        {i.commentary.author for i in items if i.commentary}
        | {i.commentary.confirmed_by for i in items if i.commentary}
    )
    by_state = {state: [i for i in items if i.state == state] for state in cycle.STATES}
    purpose_names = _purpose_names()
    state_of = {(i.measure.measure_id, i.measure.council_code): i for i in items}
    groups: dict[str, list] = {}
    for m in sorted(measures, key=lambda m: (m.kind != "strategic", m.name, m.council_code)):
        label = purpose_names.get(m.purpose_code, "Not under a purpose")
        groups.setdefault(label, []).append(
            {
                "measure": m,
                "council": COUNCIL_NAMES.get(m.council_code, m.council_code),
                "item": state_of.get((m.measure_id, m.council_code)),
            }
        )
    meetings = sorted(
        {i.meeting.pk: i.meeting for i in items}.values(), key=lambda m: m.council_code
    )
    sign_off_rows = [
        {**row, "allowed": workflow.may_sign_off(row["item"].commentary, request.user.username)}
        for row in _rows(by_state[cycle.AWAITING_SIGN_OFF], names)
    ]
    return render(
        request,
        "officer/director.html",
        {
            "meetings": [(m, COUNCIL_NAMES.get(m.council_code, m.council_code)) for m in meetings],
            "counts": [(cycle.STATE_LABELS[s], len(by_state[s])) for s in cycle.STATES],
            "not_submitted": _rows(by_state[cycle.NOT_SUBMITTED], names),
            "awaiting_confirmation": _rows(by_state[cycle.AWAITING_CONFIRMATION], names),
            "sign_off_rows": sign_off_rows,
            "any_allowed": any(r["allowed"] for r in sign_off_rows),
            "exceptions": exceptions_of(measures),
            "groups": sorted(groups.items()),
            "total": len(measures),
        },
    )


@role_only(roles.DIRECTOR)
@require_POST
def sign_off_cycle(request):
    """Sign off the chosen confirmed commentary, each through workflow.sign_off."""
    chosen = request.POST.getlist("commentary")
    if not chosen:
        messages.error(request, "Select the commentary you want to sign off.")
        return redirect("director")
    signed, refused = [], []
    for key in chosen:
        try:
            council_code, measure_id, period = key.split("|")
        except ValueError as error:
            raise Http404("Not a commentary") from error
        measure = get_object_or_404(Measure, measure_id=measure_id, council_code=council_code)
        start = _parse_period(period)
        if not roles.directs(request.user, measure):
            raise PermissionDenied("You can only sign off measures under you.")
        label = f"{measure.name} ({COUNCIL_NAMES[council_code]}), {start:%B %Y}"
        try:
            workflow.sign_off(measure, start, request.user.username)
        except (workflow.SamePerson, workflow.Locked):
            refused.append(label)
        else:
            signed.append(label)
    if signed:
        messages.success(
            request, f"Signed off {len(signed)} commentar{'y' if len(signed) == 1 else 'ies'}."
        )
    if refused:
        messages.error(
            request,
            "Not signed off (you wrote or confirmed it, or it is no longer waiting for "
            "sign-off): " + "; ".join(refused) + ".",
        )
    return redirect("director")


@role_only(roles.DIRECTOR)
def sign_off_list(request):
    queue = reminders.to_sign_off(request.user)
    names = posts.display_names(
        {c.author for _, c, _ in queue} | {c.confirmed_by for _, c, _ in queue}
    )
    return render(
        request,
        "officer/sign_off_list.html",
        {
            "queue": [
                {
                    "measure": m,
                    "commentary": c,
                    "allowed": allowed,
                    "council": COUNCIL_NAMES.get(m.council_code, m.council_code),
                    "author": names.get(c.author, c.author),
                    "confirmer": names.get(c.confirmed_by, c.confirmed_by),
                }
                for m, c, allowed in queue
            ]
        },
    )


@role_only(roles.DIRECTOR)
def sign_off(request, council_code: str, measure_id: str, period: str):
    measure = get_object_or_404(Measure, measure_id=measure_id, council_code=council_code)
    start = _parse_period(period)
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
    names = posts.display_names(
        {commentary.author, commentary.confirmed_by, commentary.signed_off_by}
    )
    return render(
        request,
        "officer/sign_off.html",
        {
            "measure": measure,
            "council": COUNCIL_NAMES.get(council_code, council_code),
            "period_start": start,
            "commentary": commentary,
            "value": value,
            "names": names,
            "author": names.get(commentary.author, commentary.author),
            "confirmer": names.get(commentary.confirmed_by, ""),
            "signer": names.get(commentary.signed_off_by, ""),
            "may_sign_off": workflow.may_sign_off(commentary, request.user.username),
            "refused": refused,
        },
        status=403 if refused else 200,
    )
