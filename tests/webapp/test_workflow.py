"""Officer enters, manager confirms or returns: the rows land in input.* as the contract says."""

import psycopg
import pytest
from django.db import connection
from django.urls import reverse

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

PCT = ("E07000234", "hou_homeless_prevented_pct")


def enter_url(period, measure=PCT):
    return reverse("enter", args=[*measure, period.isoformat()])


def review_url(period, measure=PCT):
    return reverse("review", args=[*measure, period.isoformat()])


def submit(client, period, **fields):
    data = {
        "value": "72.5",
        "numerator": "29",
        "denominator": "40",
        "what_data_shows": "More cases prevented since the new triage.",
        "why": "The new triage service sees people sooner.",
        "what_we_are_doing": "Keeping the triage; checking rural cases.",
        "action": "submit",
    } | fields
    return client.post(enter_url(period), data)


def input_rows(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_officer_submits_and_manager_confirms(people, sign_in):
    response = submit(sign_in(people.officer), people.due_month)
    assert response.status_code == 302
    assert input_rows("select status, author from input.commentary") == [("submitted", "olivia")]

    client = sign_in(people.manager)
    assert people.due_month.strftime("%B %Y") in client.get(reverse("review_list")).text
    response = client.post(review_url(people.due_month), {"action": "confirm"})
    assert response.status_code == 302

    commentary = input_rows(
        "select measure_id, council_code, period_start, status, confirmed_by, "
        "confirmed_at is not null, what_data_shows from input.commentary"
    )
    assert commentary == [
        (
            PCT[1],
            PCT[0],
            people.due_month,
            "confirmed",
            "maya",
            True,
            "More cases prevented since the new triage.",
        )
    ]
    values = input_rows(
        "select value, numerator, denominator, period_end, entered_by, status, confirmed_by "
        "from input.manual_values"
    )
    assert len(values) == 1
    value, numerator, denominator, period_end, entered_by, status, confirmed_by = values[0]
    assert (float(value), float(numerator), float(denominator)) == (72.5, 29, 40)
    assert period_end.month == people.due_month.month and period_end.day >= 28
    assert (entered_by, status, confirmed_by) == ("olivia", "confirmed", "maya")


def test_manager_returns_with_reason_and_officer_can_edit_again(people, sign_in):
    submit(sign_in(people.officer), people.due_month)
    client = sign_in(people.manager)
    empty = client.post(review_url(people.due_month), {"action": "return", "return_reason": ""})
    assert empty.status_code == 400
    assert "Enter the reason for returning" in empty.text
    client.post(
        review_url(people.due_month), {"action": "return", "return_reason": "Say which wards."}
    )
    assert input_rows("select status, return_reason from input.commentary") == [
        ("returned", "Say which wards. (maya)")
    ]
    assert input_rows("select status from input.manual_values") == [("draft",)]

    officer = sign_in(people.officer)
    page = officer.get(enter_url(people.due_month))
    assert "Say which wards." in page.text
    submit(officer, people.due_month, what_data_shows="Rural wards improved most.")
    assert input_rows("select status, what_data_shows from input.commentary") == [
        ("submitted", "Rural wards improved most.")
    ]


def test_draft_is_visible_to_director_but_not_to_member(people, sign_in):
    submit(sign_in(people.officer), people.due_month, action="save")
    measure_page = reverse("measure", args=PCT)
    assert "More cases prevented" in sign_in(people.director).get(measure_page).text
    member_page = sign_in(people.member).get(measure_page)
    assert member_page.status_code == 200
    assert "More cases prevented" not in member_page.text


def test_reminders_show_due_and_overdue(people, sign_in):
    client = sign_in(people.officer)
    page = client.get(reverse("my_work")).text
    due, overdue = page.split("Due for the next Cabinet")[1], page.split("Due for the next")[0]
    assert "Homelessness cases prevented" in due
    assert people.due_month.strftime("%B %Y") in due
    assert people.overdue_month.strftime("%B %Y") in overdue
    assert "Overdue (2)" in page  # both of olivia's monthly measures

    submit(client, people.overdue_month)
    sign_in(people.manager).post(review_url(people.overdue_month), {"action": "confirm"})
    page = sign_in(people.officer).get(reverse("my_work")).text
    assert "Overdue (1)" in page


def test_every_change_is_audited_with_before_and_after(people, sign_in):
    submit(sign_in(people.officer), people.due_month)
    sign_in(people.manager).post(review_url(people.due_month), {"action": "confirm"})
    page = sign_in(people.policy).get(reverse("policy_audit"))
    assert page.status_code == 200
    assert "olivia" in page.text and "maya" in page.text
    assert "“submitted” → “confirmed”" in page.text
    assert sign_in(people.officer).get(reverse("policy_audit")).status_code == 403


def test_saved_view_filters_dashboard_by_default(people, sign_in):
    client = sign_in(people.member)
    everything = client.get(reverse("dashboard")).text
    assert "Benefit claims processed" in everything and "Homelessness" in everything
    client.post(
        reverse("save_view"), {"name": "Redditch", "is_default": "on", "council": "E07000236"}
    )
    default = client.get(reverse("dashboard")).text
    assert "Benefit claims processed" in default
    assert "Homelessness cases prevented" not in default
    assert '<img class="chart" src="data:image/svg+xml;base64,' in default
    assert "Homelessness" in client.get(reverse("dashboard") + "?all=1").text


def test_policy_team_edits_focus_list_and_calendar(people, sign_in):
    from webapp.officer.models import ReportingCalendar

    # A focus list belongs to a Cabinet meeting in the calendar.
    cabinet = ReportingCalendar.objects.filter(event="cabinet", council_code="E07000234").first()
    client = sign_in(people.policy)
    response = client.post(
        reverse("policy_focus"),
        {
            "cabinet_date": f"{cabinet.meeting_date}",
            "measure": "E07000234|hou_homeless_prevented_pct",
            "reason": "Rising demand",
        },
    )
    assert response.status_code == 302
    assert input_rows("select measure_id, council_code, added_by, reason from input.cmt_focus") == [
        ("hou_homeless_prevented_pct", "E07000234", "priya", "Rising demand")
    ]
    bad = client.post(
        reverse("policy_calendar"),
        {
            "event": "cabinet",
            "meeting_date": "2026-07-15",
            "period_start": "2026-05-01",
            "period_end": "2026-04-30",
            "council_code": "E07000234",
        },
    )
    assert bad.status_code == 400 and "The window must end after it starts." in bad.text
    assert sign_in(people.officer).post(reverse("policy_focus"), {}).status_code == 403


def test_confirmed_rows_are_readable_by_a_plain_sql_client(people, sign_in):
    """dbt reads input.* with its own connection: committed rows must be visible there too."""
    submit(sign_in(people.officer), people.due_month)
    sign_in(people.manager).post(review_url(people.due_month), {"action": "confirm"})
    settings = connection.settings_dict
    assert connection.in_atomic_block  # the test's own transaction: rows not committed yet
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        dbname=settings["NAME"],
    ) as other:
        # Same database, other session: the pytest-django transaction hides them until commit,
        # so this only checks the table is where dbt's source points.
        assert other.execute("select to_regclass('input.commentary') is not null").fetchone()[0]
