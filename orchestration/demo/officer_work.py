"""The demo's people, posts, reporting calendar and this cycle's commentary in the officer app.

So that a fresh `make run` has work for every role, `bdc demo` also
- fills input.reporting_calendar from config/reporting_calendar.yml (every Cabinet, Portfolio
  Holder briefing and Overview and Scrutiny meeting of both councils; meetings already held are
  closed, except the latest Cabinet and O&S, whose stragglers are overdue);
- creates one demo person per post of the measure registry and council, with the role the
  post needs (owners: Officer, managers: Manager, Directors: Director), a Policy Team officer
  and a member, and records who holds which post (input.post_holders). Their passwords are
  unusable: set one with `bdc web user NAME --role ...`;
- writes commentary through the app's own workflow (webapp/officer/workflow.py: save_entry,
  return_to_officer, confirm, sign_off), never straight into the tables: the latest Cabinet
  cycle signed off apart from a few overdue, and the coming one at every stage, so officers
  have input due, managers submissions to confirm and Directors commentary to sign off.
Deterministic, and rows that exist already are left alone (a second run adds nothing).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from orchestration.lib.names import COUNCIL_SHORT_NAMES
from orchestration.lib.spc import charts

EMAIL_DOMAIN = "bromsgrove-redditch.example"
DEMO_MEANS = "bdc demo (demonstration people)"

FIRST_NAMES = (
    "Aisha Ben Chloe Daniel Ellie Farid Grace Harry Imogen Jack Kiran Laura Mohammed Nia Owen "
    "Priya Quentin Rachel Sam Tariq Una Victor Wendy Yusuf Zara Alice Bilal Carys Dev Emma "
    "Fiona Gareth Hannah Ian Jasmine Kwame Leah Marcus Nadia Oliver"
).split()
SURNAMES = (
    "Khan Patel Hughes Evans Morgan Shah Turner Price Collins Ward Begum Lloyd Ahmed Griffiths "
    "Parker Foster Hall Mitchell Rahman Bennett Cooper Singh Edwards Hussain Clarke Jenkins "
    "Walsh Ali Murphy Taylor Baker Wood Harris Kaur Davies Green Roberts Hill Young Chowdhury"
).split()


@dataclass(frozen=True)
class DemoMeasure:
    """What the workflow and the cycle need of a measure, read from the registry (the marts
    are not built yet when `bdc demo` runs)."""

    measure_id: str
    council_code: str
    name: str
    kind: str
    frequency: str
    input_method: str
    owner: str
    manager: str
    director: str
    purpose_code: str | None
    service_area: str | None

    @property
    def is_manual(self) -> bool:
        return self.input_method == "manual"


# What officers write, by service (operational measures) or purpose (strategic ones): what the
# data show, why, and what they are doing and by when. {month}, {council}, {by} are filled in.
TEXTS = {
    "council_tax": (
        "Collection in {month} kept to the pattern of the last two years: most payments came in "
        "the first week after the instalment date, and contacts rose for three days after the "
        "reminder run.",
        "About a third of the calls after the reminders were from people who had paid but whose "
        "payment had not yet shown on their account.",
        "We are printing the date a payment shows on the account on every reminder from the "
        "next run, and will report whether the calls fall by {by}.",
    ),
    "benefits": (
        "Claims in {month} took about as long as in the previous six months; the slowest "
        "tenth were all waiting for evidence of income from employers.",
        "Employers' payslips arrive by post and are keyed in by hand, so a missing page sends "
        "the claim back to the start of the queue.",
        "From next month claimants can photograph and upload payslips, and the team checks "
        "them the same day; we will report the effect on the slowest claims by {by}.",
    ),
    "business_rates": (
        "Business rates collection in {month} is within its usual range, with a small rise in "
        "contacts from new occupiers in the town centre.",
        "Six units changed hands in the month and each new occupier asked for their first bill "
        "to be explained.",
        "We are sending new occupiers a plain-English letter with their first bill and will "
        "see whether the calls fall by {by}.",
    ),
    "planning": (
        "Householder applications in {month} were decided in about the same time as in the "
        "last year; larger applications took longer while two case officer posts were empty.",
        "Cases wait when an application arrives without the drawings it needs, and about one "
        "in five did in {month}.",
        "We have published a checklist on the website and the validation officer now phones "
        "the agent the same day; both case officer posts are filled from January. We will "
        "report the effect by {by}.",
    ),
    "licensing": (
        "Licence applications in {month} were processed in the usual time; taxi driver renewals "
        "made up most of the work.",
        "Renewals bunch in the autumn because many licences were first issued at the same time "
        "several years ago.",
        "We are writing to drivers three months before their licence ends rather than one, to "
        "spread the work; we will check the queue by {by}.",
    ),
    "housing": (
        "Households asking for help in {month} were seen at about the usual rate, with more "
        "coming to us after a private landlord's notice.",
        "Rents in {council} have risen faster than local housing allowance, and landlords are "
        "selling or re-letting at higher rents.",
        "Our tenancy sustainment officer now contacts anyone with a notice within two working "
        "days to negotiate with the landlord; we will report how many tenancies this saves "
        "by {by}.",
    ),
    "independent_living": (
        "Adaptations and alarm calls in {month} were in line with the last year; the time from "
        "referral to a completed adaptation is still longer than we want.",
        "Most of the wait is for an occupational therapy assessment before the work can be "
        "ordered.",
        "A trusted assessor in our own team now does the simpler assessments, such as grab "
        "rails and stair rails; we will report the change in waiting times by {by}.",
    ),
    "waste": (
        "Missed bin reports in {month} were within the usual range; most came from two rounds "
        "with new crews.",
        "New crews do not yet know the back lanes and assisted collections on those rounds.",
        "Supervisors are riding with the new crews for two weeks and the in-cab system now "
        "flags assisted collections; we will check missed bins on those rounds by {by}.",
    ),
    "street_scene": (
        "Fly-tipping reports in {month} were about the same as in recent months, clustered on "
        "three lanes on the edge of town.",
        "Those lanes are unlit and out of sight of houses, so tippers are rarely seen.",
        "Two cameras go up on the worst lane this month and we are writing to nearby businesses "
        "about their duty of care; we will report reports on those lanes by {by}.",
    ),
    "environmental_health": (
        "Food hygiene inspections in {month} kept to the plan; service requests about noise "
        "took longer to close than usual.",
        "Noise cases stay open while residents keep diary sheets, and many sheets are never "
        "returned.",
        "Residents can now record noise on their phone through the council's app; we will "
        "report the time to close noise cases by {by}.",
    ),
    "leisure": (
        "Visits in {month} followed the usual seasonal pattern, with swimming up and outdoor "
        "bookings down.",
        "School swimming lessons restarted and the weather cut outdoor sports.",
        "We are moving unused pitch time to indoor five-a-side sessions for the winter and "
        "will report bookings by {by}.",
    ),
    "electoral_services": (
        "Changes to the electoral register in {month} were handled within the usual time.",
        "The annual canvass brought in most of the changes, as it does every autumn.",
        "We are chasing households that have not replied, by letter and then a visit, so the "
        "register is complete before it is published; we will report the response by {by}.",
    ),
    "home": (
        "The figure for {month} is within the range we have seen over the last year, with no "
        "sign of a lasting change.",
        "Demand for help with housing in {council} stays high while private rents rise faster "
        "than incomes.",
        "We are focusing on preventing homelessness before a notice expires and on speeding up "
        "nominations to housing association homes; we will report progress by {by}.",
    ),
    "finance": (
        "The figure for {month} is within its usual range; the end-to-end time is steady but "
        "still longer than residents expect.",
        "Most of the time is spent waiting for evidence, not on the assessment itself.",
        "We are asking for all the evidence at the first contact and checking it the same day; "
        "we will report the effect by {by}.",
    ),
    "business": (
        "The figure for {month} is within the range of the last year.",
        "Demand from businesses follows the local economy, which has been steady this year.",
        "We are keeping the new pre-application advice service running and will report how "
        "many businesses use it, and how it affects the figure, by {by}.",
    ),
    "independence": (
        "The figure for {month} is in line with the last year.",
        "Referrals come mostly from hospital discharge teams, and their numbers have been steady.",
        "We are agreeing with the hospital a single referral form so that nothing is asked "
        "twice; we will report the time from referral to help by {by}.",
    ),
    "safe_place": (
        "The figure for {month} is within its usual range, with no sign of a lasting change.",
        "Reports follow the season and the weather more than anything we do.",
        "We are targeting the few streets with repeat reports with patrols and letters to "
        "residents; we will report what changed on those streets by {by}.",
    ),
    "things_to_do": (
        "The figure for {month} followed the usual seasonal pattern.",
        "School holidays and the weather drive most of the change from month to month.",
        "We are planning the spring programme of events with the parish councils and will "
        "report how many people took part by {by}.",
    ),
    "enabling": (
        "The figure for {month} is within the range of the last year.",
        "The work arrives at a steady rate and the team has been fully staffed.",
        "We are reviewing the steps that add no value for residents with the staff who do the "
        "work, and will report what we changed by {by}.",
    ),
}
RETURN_REASONS = (
    "Please say what the figure was in the same month last year, so members can see whether "
    "this is the usual seasonal pattern.",
    "The action has no date: please say when we will know whether it has worked.",
    "Please explain why, not only what: what is causing the change?",
)


def _share(*parts: str) -> float:
    """A stable number in [0, 1) for these parts (the same on every run)."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def measures_from_registry() -> list[DemoMeasure]:
    from orchestration.lib.registry.measures import load_registry

    found = []
    for measure in load_registry().measures:
        for row in measure.rows():
            found.append(
                DemoMeasure(
                    measure_id=row["measure_id"],
                    council_code=row["council_code"],
                    name=row["name"],
                    kind=row["kind"],
                    frequency=row["frequency"],
                    input_method=row["input_method"],
                    owner=row["owner"],
                    manager=row["manager"],
                    director=row["director"],
                    purpose_code=row["purpose_code"],
                    service_area=row["service_area"],
                )
            )
    return found


def commentary_for(measure: DemoMeasure, start: dt.date) -> dict:
    shows, why, doing = TEXTS.get(measure.service_area or "") or TEXTS.get(
        measure.purpose_code or "", TEXTS["enabling"]
    )
    by = _add_months(start, 4) - dt.timedelta(days=1)
    words = {
        # the period by its own frequency: "Q2 2026/27 (July to September 2026)" for a quarter
        "month": charts.period_label(start, measure.frequency),
        "council": COUNCIL_SHORT_NAMES.get(measure.council_code, ""),
        "by": f"the end of {by:%B %Y}",
    }
    return {
        "what_data_shows": shows.format(**words),
        "why": why.format(**words),
        "what_we_are_doing": doing.format(**words),
    }


def fill_calendar(today: dt.date) -> int:
    """Every meeting of the reporting calendar, for both councils; returns how many added."""
    from orchestration.lib.reporting import calendar
    from webapp.officer.models import ReportingCalendar

    config = calendar.load()
    meetings = []
    for kind in ("cabinet", "portfolio", "scrutiny"):
        for key in calendar.period_keys(kind, config):
            period = calendar.period(kind, key, config)
            meeting = period.meeting_date
            if kind == "portfolio":
                days = config["portfolio_briefing"]["days_before_cabinet"]
                meeting = period.meeting_date - dt.timedelta(days=days)
            event = {"portfolio": "portfolio_briefing"}.get(kind, kind)
            meetings.append((event, meeting, period.period_start, period.period_end))
    latest_past = {
        event: max((m for e, m, _, _ in meetings if e == event and m < today), default=None)
        for event in ("cabinet", "portfolio_briefing", "scrutiny")
    }
    added = 0
    for council in config["councils"]:
        for event, meeting, start, end in meetings:
            # Cycles already reported are closed; the latest Cabinet and O&S stay open so
            # their stragglers show as overdue.
            closed = meeting < today and meeting != latest_past[event]
            _, created = ReportingCalendar.objects.get_or_create(
                event=event,
                meeting_date=meeting,
                council_code=council,
                defaults={"period_start": start, "period_end": end, "closed": closed},
            )
            added += created
    return added


def _person_name(index: int) -> tuple[str, str]:
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    surname = SURNAMES[(index * 7 + index // len(FIRST_NAMES)) % len(SURNAMES)]
    return first, surname


def fill_people(measures: list[DemoMeasure]) -> int:
    """One person per post and council, with the post's role; returns how many posts added."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from webapp.officer import grants, roles
    from webapp.officer.models import PostHolder

    roles.ensure_groups()
    posts: dict[tuple[str, str], str] = {}
    for m in measures:
        for post, role in ((m.owner, roles.OFFICER), (m.manager, roles.MANAGER)):
            posts.setdefault((post, m.council_code), role)
        posts[(m.director, m.council_code)] = roles.DIRECTOR
    users = get_user_model().objects
    added = 0
    people = [("Policy Team", None, roles.POLICY), ("Councillor", None, roles.MEMBER)]
    people += [(post, council, role) for (post, council), role in sorted(posts.items())]
    with grants.granting("bdc demo", DEMO_MEANS):
        for index, (post, council, role) in enumerate(people):
            first, surname = _person_name(index)
            username = f"{first}.{surname}".lower()
            user, created = users.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": surname,
                    "email": f"{username}@{EMAIL_DOMAIN}",
                },
            )
            if created:
                user.set_unusable_password()
                user.save()
            user.groups.add(Group.objects.get(name=role))
            if council is not None:
                _, made = PostHolder.objects.get_or_create(
                    post=post, council_code=council, user=user
                )
                added += made
    return added


def _holder(post: str, council: str) -> str:
    from webapp.officer import posts

    (user, *_) = posts.holders(post, council)
    return user.username


def _value_for(measure: DemoMeasure, start: dt.date, seed: int):
    """The demo's value of a manual measure for a period (officer_entries' figures)."""
    from orchestration.demo import officer_entries

    last = periods_end(start, measure.frequency)
    for entry in officer_entries.entries(f"{last:%Y-%m}", seed):
        if (entry.measure_id, entry.council_code, entry.period_start) == (
            measure.measure_id,
            measure.council_code,
            start,
        ):
            return entry
    return None


def periods_end(start: dt.date, frequency: str) -> dt.date:
    from webapp.officer import periods

    return periods.period_end(start, frequency)


def _write(measure: DemoMeasure, start: dt.date, stage: str, seed: int) -> None:
    """Take one period's input to `stage` through the app's workflow."""
    from webapp.officer import workflow

    owner = _holder(measure.owner, measure.council_code)
    data = commentary_for(measure, start)
    if measure.is_manual:
        entry = _value_for(measure, start, seed)
        if entry is not None:
            data |= {
                "value": entry.value,
                "numerator": entry.numerator,
                "denominator": entry.denominator,
            }
    if stage == "draft":
        data["what_we_are_doing"] = ""
        workflow.save_entry(measure, start, data, owner, submit=False)
        return
    workflow.save_entry(measure, start, data, owner, submit=True)
    if stage == "submitted":
        return
    manager = _holder(measure.manager, measure.council_code)
    if stage == "returned":
        reason = RETURN_REASONS[int(_share(measure.measure_id, "r") * len(RETURN_REASONS))]
        workflow.return_to_officer(measure, start, manager, reason)
        return
    workflow.confirm(measure, start, manager)
    if stage == "confirmed":
        return
    workflow.sign_off(measure, start, _holder(measure.director, measure.council_code))


# How far the coming cycle's input has got, as shares of the measures (cumulative).
COMING_STAGES = (
    (0.25, None),  # not started
    (0.35, "draft"),
    (0.45, "returned"),
    (0.65, "submitted"),
    (0.85, "confirmed"),
    (1.0, "signed_off"),
)
OVERDUE_SHARE = 0.06


def _stage(measure: DemoMeasure, key: str) -> str | None:
    share = _share(measure.measure_id, measure.council_code, key)
    return next(stage for bound, stage in COMING_STAGES if share < bound)


def fill_commentary(measures: list[DemoMeasure], today: dt.date, seed: int) -> int:
    """Commentary for the latest and the coming Cabinet cycle; returns how many written."""
    from webapp.officer import cycle
    from webapp.officer.models import Commentary

    written = 0
    for council in sorted({m.council_code for m in measures}):
        own = [m for m in measures if m.council_code == council]
        past = cycle.past_open_cabinets(council, today)
        coming = cycle.coming_cabinet(council, today)
        plans = [
            (i, None if _share(i.measure.measure_id, council, "late") < OVERDUE_SHARE else "done")
            for meeting in past
            for i in cycle.items(own, lambda _c, meeting=meeting: meeting, today)
        ]
        if coming is not None:
            plans += [
                (i, _stage(i.measure, f"{coming.meeting_date}"))
                for i in cycle.items(own, lambda _c, coming=coming: coming, today)
            ]
        for item, stage in plans:
            if (
                stage is None
                or Commentary.objects.filter(
                    measure_id=item.measure.measure_id,
                    council_code=council,
                    period_start=item.period_start,
                ).exists()
            ):
                continue
            stage = "signed_off" if stage == "done" else stage
            _write(item.measure, item.period_start, stage, seed)
            written += 1
    return written


def seed(seed: int, today: dt.date | None = None) -> dict[str, int]:
    """Calendar, people and posts, and commentary; Django must be set up (the app migrated)."""
    from django.db import transaction

    today = today or dt.date.today()
    measures = measures_from_registry()
    with transaction.atomic():
        meetings = fill_calendar(today)
        holders = fill_people(measures)
        commentary = fill_commentary(measures, today, seed)
    return {"meetings": meetings, "post holders": holders, "commentary": commentary}
