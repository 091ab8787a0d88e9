"""Policy Team pages: CMT focus lists, the reporting calendar, who holds which post, who owns
what, the completion tracker, the audit log."""

from itertools import chain

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from orchestration.lib.names import COUNCIL_NAMES
from webapp.officer import cycle, emails, grants, posts, roles
from webapp.officer.access import role_only
from webapp.officer.forms import AssignmentForm, CalendarForm, DirectorForm
from webapp.officer.models import (
    CmtFocus,
    Commentary,
    ManualValue,
    Measure,
    MeasureAssignment,
    PostHolder,
    Purpose,
    PurposeDirector,
    ReportingCalendar,
    RoleGrant,
)
from webapp.officer.policy_forms import CheckedFocusForm, PostHolderForm, PostUploadForm
from webapp.officer.views import table_exists

policy_only = role_only(roles.POLICY)
OWNERS_PAGE = "Policy Team page: Who owns what"
POSTS_PAGE = "Policy Team page: Who holds which post"
AUDITED = {
    "Commentary": Commentary,
    "Manual value": ManualValue,
    "CMT focus": CmtFocus,
    "Reporting calendar": ReportingCalendar,
    "Post holder": PostHolder,
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
    form = CheckedFocusForm(request.POST or None, measures=measures)
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
        (
            f,
            names.get((f.measure_id, f.council_code), f.measure_id),
            COUNCIL_NAMES.get(f.council_code, f.council_code),
        )
        for f in CmtFocus.objects.all()
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


@policy_only
def post_holders(request):
    """Who holds which post, per council: one holder at a time, or a CSV file."""
    known = posts.known_posts()
    form = PostHolderForm(None, posts=known, prefix="one")
    upload_form = PostUploadForm(None, prefix="file")
    upload_errors: list[str] = []
    if request.method == "POST" and request.POST.get("kind") == "one":
        form = PostHolderForm(request.POST, posts=known, prefix="one")
        if form.is_valid():
            with grants.granting(request.user.username, POSTS_PAGE):
                _, created = PostHolder.objects.get_or_create(
                    post=form.cleaned_data["post"],
                    council_code=form.cleaned_data["council"],
                    user=form.cleaned_data["username"],
                )
            who = form.cleaned_data["username"]
            council = posts.council_name(form.cleaned_data["council"])
            messages.success(
                request,
                f"{who.get_full_name() or who.username} "
                f"{'now holds' if created else 'already held'} the post "
                f"{form.cleaned_data['post']} for {council}.",
            )
            return redirect("policy_posts")
    elif request.method == "POST" and request.POST.get("kind") == "file":
        upload_form = PostUploadForm(request.POST, request.FILES, prefix="file")
        if upload_form.is_valid():
            upload = posts.read_csv(upload_form.cleaned_data["file"].read(), known)
            if upload.errors:
                upload_errors = upload.errors
            else:
                with grants.granting(request.user.username, POSTS_PAGE):
                    added, removed = posts.save_upload(upload, upload_form.cleaned_data["replace"])
                messages.success(
                    request,
                    f"Uploaded {len(upload.rows)} rows: {added} new post holders"
                    + (f", {removed} removed." if removed else "."),
                )
                return redirect("policy_posts")
    holders = list(PostHolder.objects.select_related("user").prefetch_related("user__groups"))
    held = {(h.post, h.council_code) for h in holders}
    vacant = [
        (post, COUNCIL_NAMES[code])
        for post in known
        for code in COUNCIL_NAMES
        if (post, code) not in held
    ]
    failed = bool(form.errors or upload_form.errors or upload_errors)
    return render(
        request,
        "officer/policy/posts.html",
        {
            "form": form,
            "upload_form": upload_form,
            "upload_errors": upload_errors,
            "holders": [
                {
                    "holder": h,
                    "council": COUNCIL_NAMES.get(h.council_code, h.council_code),
                    "name": h.user.get_full_name() or h.user.username,
                    "roles": ", ".join(sorted(g.name for g in h.user.groups.all())) or "None",
                }
                for h in holders
            ],
            "vacant": vacant,
            "failed": failed,
        },
        status=400 if failed else 200,
    )


@policy_only
@require_POST
def post_holder_remove(request, item_id: int):
    holder = get_object_or_404(PostHolder.objects.select_related("user"), pk=item_id)
    with grants.granting(request.user.username, POSTS_PAGE):
        holder.delete()
    messages.success(
        request,
        f"{holder.user.get_full_name() or holder.user.username} no longer holds the post "
        f"{holder.post} for {posts.council_name(holder.council_code)}.",
    )
    return redirect("policy_posts")


def _words(code: str | None) -> str:
    """A registry service code as its name ("council_tax" -> "Council tax")."""
    from orchestration.lib import names

    return names.service_name(code) or "Not recorded"


@policy_only
def tracker(request):
    """Completion for the coming Cabinet cycle, by service and by Director."""
    items = cycle.coming_items(_measures())
    holders = {}
    for h in PostHolder.objects.select_related("user"):
        holders.setdefault((h.post, h.council_code), []).append(
            h.user.get_full_name() or h.user.username
        )

    def table(key) -> list[tuple[str, list[int], int]]:
        groups: dict[str, list[int]] = {}
        for item in items:
            counts = groups.setdefault(key(item), [0] * len(cycle.STATES))
            counts[cycle.STATES.index(item.state)] += 1
        return [(name, counts, sum(counts)) for name, counts in sorted(groups.items())]

    lists = [
        (
            cycle.STATE_LABELS[state],
            [
                {
                    "item": i,
                    "owner": i.measure.owner or "Not recorded",
                    "holders": ", ".join(holders.get((i.measure.owner, i.measure.council_code), []))
                    or "Nobody holds this post",
                    "service": _words(i.measure.service_area),
                }
                for i in sorted(items, key=lambda i: (i.measure.name, i.measure.council_code))
                if i.state == state
            ],
        )
        for state in cycle.STATES
    ]
    meetings = {i.meeting.pk: i.meeting for i in items}.values()
    return render(
        request,
        "officer/policy/tracker.html",
        {
            "meetings": sorted(
                ((m, COUNCIL_NAMES.get(m.council_code, m.council_code)) for m in meetings),
                key=lambda pair: pair[1],
            ),
            "states": [cycle.STATE_LABELS[s] for s in cycle.STATES],
            "by_service": table(lambda i: _words(i.measure.service_area)),
            "by_director": table(lambda i: i.measure.director or "Not recorded"),
            "lists": lists,
            "total": len(items),
        },
    )


@policy_only
@require_POST
def send_reminders(request):
    """The reminders the Monday schedule sends, sent now (e.g. the week before a Cabinet)."""
    outcome = emails.send_reminders()
    if outcome.recipients:
        messages.success(request, f"Reminders sent to {len(outcome.recipients)} people.")
    else:
        messages.info(request, "Nobody has anything due or overdue: no reminders were sent.")
    if outcome.without_address:
        messages.warning(
            request,
            f"{len(outcome.without_address)} people with work due have no email address: "
            + ", ".join(sorted(outcome.without_address)),
        )
    return redirect("policy_tracker")
