"""Reminder and escalation emails, received by a real (local) SMTP server; and the demo's
people, calendar and commentary, written through the workflow."""

from datetime import date

import pytest
from django.core import mail

from tests.support import smtp
from tests.webapp.test_posts_and_cycle import (
    OPS,
    cycle_people,
    measure,
    registry_measure,  # noqa: F401 - a fixture
    text,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_server():
    server, inbox = smtp.start()
    yield server, inbox
    server.shutdown()
    server.server_close()


def connection_to(server):
    host, port = server.server_address
    return mail.get_connection(
        "django.core.mail.backends.smtp.EmailBackend", host=host, port=port, use_tls=False
    )


def bodies(inbox) -> dict[str, str]:
    return {m.recipients[0]: m.message.get_payload(decode=True).decode() for m in inbox.messages}


def test_owners_are_reminded_and_managers_and_directors_escalated(registry_measure, smtp_server):  # noqa: F811
    from webapp.officer import emails, workflow
    from webapp.officer.models import ReportingCalendar

    server, inbox = smtp_server
    ruth, harriet, edna = cycle_people(registry_measure)
    # The past Cabinet (still open) reported September to November's start: its period is
    # overdue; the Redditch measure is held by nobody, so nobody is emailed about it.
    past = ReportingCalendar.objects.filter(
        event="cabinet", council_code="E07000234", meeting_date__lt=date.today()
    ).get()
    overdue_start = past.period_end.replace(day=1)
    # Something confirmed, waiting for the Director.
    start = registry_measure.due_month
    workflow.save_entry(measure(), start, text(), ruth.username, submit=True)
    workflow.confirm(measure(), start, harriet.username)

    outcome = emails.send_reminders(connection=connection_to(server))

    assert outcome.sent == 3 == len(inbox.messages)
    got = bodies(inbox)
    owner = got["ruth@example.org"]
    assert "Overdue" in owner and f"{overdue_start:%B %Y}" in owner
    assert "Failure demand share: council tax, Bromsgrove District Council" in owner
    assert f"/measures/E07000234/{OPS}/{overdue_start}/enter/" in owner
    manager = got["harriet@example.org"]
    assert "Overdue in the services you manage" in manager and "not submitted by Ruth" in manager
    director = got["edna@example.org"]
    assert "Waiting for your sign-off" in director
    assert f"/sign-off/E07000234/{OPS}/{start}/" in director
    for body in got.values():
        assert "E07000234," not in body and "ops_" not in body.replace(f"/{OPS}/", "/")
    assert inbox.messages[0].message["Subject"] == "Performance reporting: what you need to do"


def test_nobody_with_nothing_to_do_is_emailed(registry_measure, smtp_server):  # noqa: F811
    from webapp.officer import emails
    from webapp.officer.models import ReportingCalendar

    server, inbox = smtp_server
    cycle_people(registry_measure)
    ReportingCalendar.objects.all().delete()
    assert emails.send_reminders(connection=connection_to(server)).sent == 0
    assert inbox.messages == []


def test_the_management_command_sends_through_the_configured_backend(
    registry_measure,  # noqa: F811
    smtp_server,
    settings,
):
    from django.core.management import call_command

    server, inbox = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.server_address
    cycle_people(registry_measure)
    call_command("send_reminders")
    assert {m.recipients[0] for m in inbox.messages} >= {"ruth@example.org"}


def test_demo_fills_calendar_posts_and_commentary_through_the_workflow(db):
    from django.db import connection

    from orchestration.demo import officer_work
    from webapp.officer import reminders
    from webapp.officer.models import Commentary, PostHolder, ReportingCalendar

    measures = officer_work.measures_from_registry()
    with connection.cursor() as cursor:
        cursor.execute("delete from marts.dim_measures")
        for m in measures:
            cursor.execute(
                "insert into marts.dim_measures (measure_id, council_code, name, kind, "
                "purpose_code, service_area, unit, polarity, frequency, is_public, is_key, "
                "input_method, owner, manager, director) values (%s, %s, %s, %s, %s, %s, "
                "'count', 'higher', %s, false, false, %s, %s, %s, %s)",
                [
                    m.measure_id,
                    m.council_code,
                    m.name,
                    m.kind,
                    m.purpose_code,
                    m.service_area,
                    m.frequency,
                    m.input_method,
                    m.owner,
                    m.manager,
                    m.director,
                ],
            )
    done = officer_work.seed(seed=20240501)
    assert done["commentary"] > 100 and ReportingCalendar.objects.filter(event="cabinet").exists()
    assert officer_work.seed(seed=20240501)["commentary"] == 0  # a second run adds nothing
    statuses = set(Commentary.objects.values_list("status", flat=True))
    assert statuses == {"draft", "returned", "submitted", "confirmed", "signed_off"}
    # Every signed-off row went through the workflow: three different people, in history.
    signed = Commentary.objects.filter(status="signed_off").first()
    assert len({signed.author, signed.confirmed_by, signed.signed_off_by}) == 3
    assert signed.history.count() >= 3 and signed.why
    assert "_" not in signed.what_data_shows + signed.why + signed.what_we_are_doing

    def holder_of(role_post):
        return PostHolder.objects.filter(post=role_post).select_related("user").first().user

    some = measures[0]
    officers_with_work = [
        h.user
        for h in PostHolder.objects.select_related("user")
        if any(reminders.tasks_for(h.user))
    ]
    assert officers_with_work
    assert any(reminders.to_confirm(h.user) for h in PostHolder.objects.select_related("user"))
    assert reminders.to_sign_off(holder_of(some.director)) or any(
        reminders.to_sign_off(h.user) for h in PostHolder.objects.select_related("user")
    )
