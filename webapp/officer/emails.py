"""Reminder and escalation emails, sent through Django's email framework (settings.EMAIL_*).

One email per person per run, listing everything they have to do:
- owners: their measures' input for a Cabinet meeting within `within_days` that is not
  submitted yet, and input of past Cabinet cycles still open that was never submitted (overdue);
- managers: the overdue input of the measures they manage (an escalation), and submitted
  input waiting for their confirmation;
- Directors: confirmed commentary of the measures under them waiting for their sign-off.
People with no email address are counted and skipped. Run weekly by the Dagster schedule
`officer_reminders_schedule`, or by hand with `bdc web remind`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from orchestration.lib.names import COUNCIL_NAMES
from webapp.officer import cycle, reminders, roles
from webapp.officer.models import Measure
from webapp.officer.tables import table_exists

DUE_SOON_DAYS = 28


@dataclass
class Outcome:
    sent: int = 0
    without_address: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)


def _link(name: str, *args) -> str:
    return settings.BDC_SITE_URL + reverse(name, args=args)


def _line(measure, start: date, words: str, link: str) -> str:
    council = COUNCIL_NAMES.get(measure.council_code, measure.council_code)
    return f"- {measure.name}, {council}, {start:%B %Y}: {words}\n  {link}"


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _owner_sections(user, today: date, within_days: int, measures) -> list[str]:
    owned = roles.owned_measures(user, measures)
    due = [
        i
        for i in cycle.coming_items(owned, today)
        if i.state == cycle.NOT_SUBMITTED and (i.meeting.meeting_date - today).days <= within_days
    ]
    overdue = cycle.overdue_items(owned, today)
    sections = []
    if overdue:
        lines = [
            _line(
                i.measure,
                i.period_start,
                f"{i.progress.lower()}; it was due for Cabinet on {_day(i.meeting.meeting_date)}",
                _link("enter", i.measure.council_code, i.measure.measure_id, f"{i.period_start}"),
            )
            for i in overdue
        ]
        sections.append(
            "Overdue: these were due for a Cabinet meeting that has already happened. Please "
            "write and submit them now; your manager has been told.\n\n" + "\n".join(lines)
        )
    if due:
        by_meeting = defaultdict(list)
        for i in due:
            by_meeting[i.meeting.meeting_date].append(i)
        for meeting_date, items in sorted(by_meeting.items()):
            lines = [
                _line(
                    i.measure,
                    i.period_start,
                    i.progress.lower(),
                    _link(
                        "enter", i.measure.council_code, i.measure.measure_id, f"{i.period_start}"
                    ),
                )
                for i in items
            ]
            sections.append(
                f"Due for Cabinet on {_day(meeting_date)}: please submit the figures and "
                "commentary (what the data shows, why, and what you are doing and by when) in "
                "good time for your manager to confirm them and your Director to sign them "
                "off.\n\n" + "\n".join(lines)
            )
    return sections


def _manager_sections(user, today: date, names: dict[str, str], measures) -> list[str]:
    managed = roles.managed_measures(user, measures)
    sections = []
    overdue = cycle.overdue_items(managed, today)
    if overdue:
        lines = []
        for i in overdue:
            owners = ", ".join(sorted(names.get(u, u) for u in roles.owners_of(i.measure)))
            lines.append(
                _line(
                    i.measure,
                    i.period_start,
                    f"not submitted by {owners or 'anyone: nobody holds the owner post'}; "
                    f"it was due for Cabinet on {_day(i.meeting.meeting_date)}",
                    _link("measure", i.measure.council_code, i.measure.measure_id),
                )
            )
        sections.append(
            "Overdue in the services you manage: the owners have been reminded. Please make "
            "sure these are submitted.\n\n" + "\n".join(lines)
        )
    waiting = [(m, c) for m, c, allowed in reminders.to_confirm(user) if allowed]
    if waiting:
        lines = [
            _line(
                m,
                c.period_start,
                f"submitted by {names.get(c.author, c.author)}",
                _link("review", m.council_code, m.measure_id, f"{c.period_start}"),
            )
            for m, c in waiting
        ]
        sections.append(
            "Waiting for your confirmation: please confirm each one, or return it to the "
            "officer with the reason.\n\n" + "\n".join(lines)
        )
    return sections


def _director_sections(user) -> list[str]:
    waiting = [(m, c) for m, c, allowed in reminders.to_sign_off(user) if allowed]
    if not waiting:
        return []
    lines = [
        _line(
            m,
            c.period_start,
            "confirmed by the manager",
            _link("sign_off", m.council_code, m.measure_id, f"{c.period_start}"),
        )
        for m, c in waiting
    ]
    return [
        "Waiting for your sign-off: members and the public see this commentary only once you "
        f"sign it off. You can sign off several at once on your area's page: "
        f"{_link('director')}\n\n" + "\n".join(lines)
    ]


def message_for(
    user, today: date, within_days: int, names: dict[str, str], measures=None
) -> str | None:
    """The plain-text email for one person, or None when they have nothing to do."""
    sections = _owner_sections(user, today, within_days, measures)
    sections += _manager_sections(user, today, names, measures)
    sections += _director_sections(user)
    if not sections:
        return None
    greeting = user.get_full_name() or user.username
    return (
        f"Dear {greeting},\n\n"
        "This is your reminder from the performance Dashboard of Bromsgrove District Council "
        "and Redditch Borough Council.\n\n"
        + "\n\n".join(sections)
        + f"\n\nEverything you have to do is on My work: {_link('my_work')}\n\n"
        "You receive this email because you hold a post named in the councils' measure "
        "registry. If that is wrong, tell the Policy Team.\n"
    )


def send_reminders(
    today: date | None = None,
    within_days: int = DUE_SOON_DAYS,
    connection=None,
    dry_run: bool = False,
) -> Outcome:
    """Email every person who has something to do; return who was emailed and who could not
    be (no address)."""
    today = today or date.today()
    outcome = Outcome()
    if not table_exists("marts.dim_measures"):
        return outcome
    # Everyone who could have something to do: holders of any role that does work.
    measures = list(Measure.objects.all())
    people = (
        get_user_model()
        .objects.filter(
            is_active=True, groups__name__in=[roles.OFFICER, roles.MANAGER, roles.DIRECTOR]
        )
        .distinct()
        .order_by("username")
    )
    names = {u.username: u.get_full_name() or u.username for u in get_user_model().objects.all()}
    messages = []
    for user in people:
        body = message_for(user, today, within_days, names, measures)
        if body is None:
            continue
        if not user.email:
            outcome.without_address.append(user.username)
            continue
        messages.append(
            mail.EmailMessage(
                subject="Performance reporting: what you need to do",
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[user.email],
            )
        )
        outcome.recipients.append(user.email)
    if messages and not dry_run:
        connection = connection or mail.get_connection()
        outcome.sent = connection.send_messages(messages) or 0
    return outcome
