"""Headless Chromium against the live app: each role signs in through the real form and does
its job. Needs Debian's /usr/bin/chromium (apt-get install -y chromium)."""

from datetime import date, timedelta

import psycopg
import pytest
from django.db import connection

from tests.support.officer_pages import officer_stylesheet  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("officer_stylesheet"),
]

PCT_PAGE = "/measures/E07000234/hou_homeless_prevented_pct/"
PCT_NAME = "Homelessness cases prevented (Bromsgrove District Council)"


def committed_rows(sql: str):
    """Read with a separate connection, as dbt does: only committed rows are visible."""
    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"], port=s["PORT"], user=s["USER"], password=s["PASSWORD"], dbname=s["NAME"]
    ) as other:
        return other.execute(sql).fetchall()


def test_officer_enters_and_manager_confirms(people, sign_in_as, live_server):
    officer = sign_in_as("olivia")
    officer.goto(live_server.url + PCT_PAGE)
    officer.get_by_role("link", name=f"Enter input for {people.due_month:%B %Y}").click()
    officer.get_by_label("Value").fill("abc")
    officer.get_by_role("button", name="Submit for confirmation").click()
    assert officer.get_by_role("alert").filter(has_text="There is a problem").is_visible()
    assert "Enter a number" in officer.content()
    officer.get_by_label("Value").fill("72.5")
    officer.get_by_label("Numerator (optional)").fill("29")
    officer.get_by_label("Denominator (optional)").fill("40")
    officer.get_by_label("What the data shows").fill("Prevention rose after the new triage.")
    officer.get_by_label("Why", exact=True).fill("The triage sees people sooner.")
    officer.get_by_label("What we are doing").fill("Keeping triage; reviewing rural cases.")
    officer.get_by_role("button", name="Submit for confirmation").click()
    assert "Submitted to your manager" in officer.content()
    assert committed_rows("select status from input.commentary") == [("submitted",)]

    manager = sign_in_as("maya")
    manager.get_by_role("link", name="To confirm").click()
    manager.get_by_role("link", name=f"{PCT_NAME}, {people.due_month:%B %Y}").click()
    assert "Prevention rose after the new triage." in manager.content()
    manager.get_by_role("button", name="Confirm").click()
    assert "Confirmed: Homelessness cases prevented" in manager.content()

    assert committed_rows(
        "select measure_id, status, confirmed_by, confirmed_at is not null from input.commentary"
    ) == [("hou_homeless_prevented_pct", "confirmed", "maya", True)]
    assert committed_rows("select value::float, status, confirmed_by from input.manual_values") == [
        (72.5, "confirmed", "maya")
    ]

    officer.goto(live_server.url + PCT_PAGE + people.due_month.isoformat() + "/enter/")
    assert "confirmed and locked" in officer.content()
    assert officer.get_by_label("What the data shows").count() == 0

    director = sign_in_as("dev")
    blocked = []  # the browser reports anything the Content-Security-Policy refused
    director.on("console", lambda m: blocked.append(m.text) if "Security Policy" in m.text else 0)
    director.get_by_role("link", name="To sign off").click()
    director.get_by_role("link", name=f"{PCT_NAME}, {people.due_month:%B %Y}").click()
    director.get_by_role("button", name="Sign off").click()
    assert "Signed off: Homelessness cases prevented" in director.content()
    assert committed_rows("select status, confirmed_by, signed_off_by from input.commentary") == [
        ("signed_off", "maya", "dev")
    ]
    # The app's own GOV.UK Frontend stylesheet is allowed: the page is styled (the header in
    # GOV.UK's brand blue), nothing was blocked.
    header = "getComputedStyle(document.querySelector('.govuk-header')).backgroundColor"
    assert director.evaluate(header) == "rgb(29, 112, 184)"
    assert blocked == []


def test_director_member_and_partner_see_what_they_should(people, sign_in_as, live_server):
    from webapp.officer.models import Commentary

    Commentary.objects.create(
        measure_id="hou_homeless_prevented_pct",
        council_code="E07000234",
        period_start=people.due_month,
        what_data_shows="Draft words from Olivia.",
        author="olivia",
        status="submitted",
    )
    director = sign_in_as("dev")
    director.goto(live_server.url + PCT_PAGE)
    assert "Draft words from Olivia." in director.content()
    chart = director.locator("img.app-chart")
    assert chart.count() == 1 and chart.get_attribute("alt")

    member = sign_in_as("councillor")
    member.get_by_label("Council").select_option("E07000236")
    member.get_by_role("button", name="Apply filters").click()
    assert member.get_by_role("heading", name="Benefit claims processed").is_visible()
    assert member.get_by_role("heading", name="Homelessness cases prevented").count() == 0
    member.get_by_label("Name this view").fill("Redditch only")
    member.get_by_role("button", name="Save these filters").click()
    assert member.get_by_role("link", name="Redditch only").is_visible()
    member.goto(live_server.url + PCT_PAGE)
    assert "Draft words from Olivia." not in member.content()

    partner = sign_in_as("police")
    assert "nothing here for partner accounts" in partner.content()
    response = partner.goto(live_server.url + "/dashboard/")
    assert response.status == 403
    assert "Homelessness" not in partner.content()


def test_policy_team_sets_focus_and_reads_the_audit_log(people, sign_in_as, live_server):
    policy = sign_in_as("priya")
    policy.get_by_role("link", name="Policy Team").click()
    policy.get_by_role("link", name="CMT focus lists").click()
    # The fixture's coming Cabinet meeting (a focus date must be one in the calendar).
    cabinet = f"{date.today() + timedelta(days=20)}"
    policy.get_by_label("Cabinet date (YYYY-MM-DD)").fill(cabinet)
    policy.get_by_label("Measure").select_option("E07000234|hou_homeless_prevented_pct")
    policy.get_by_label("Why CMT is focusing on it").fill("Demand is rising")
    policy.get_by_role("button", name="Add to the focus list").click()
    assert "Added to the CMT focus list." in policy.content()
    assert committed_rows("select measure_id, added_by from input.cmt_focus") == [
        ("hou_homeless_prevented_pct", "priya")
    ]
    policy.goto(live_server.url + "/policy/audit/")
    row = policy.get_by_role("row").filter(has_text="CMT focus")
    assert row.count() == 1 and "priya" in row.inner_text() and "Created" in row.inner_text()


def test_policy_team_tracks_and_reminds_and_a_member_filters_by_ward_and_exports(
    people, sign_in_as, live_server, tmp_path
):
    from django.contrib.auth.models import User
    from django.core import mail

    from tests.support import dashboard_data

    User.objects.filter(username__in=["olivia", "oscar"]).update(email="officer@example.gov.uk")
    policy = sign_in_as("priya")
    policy.get_by_role("link", name="Policy Team").click()
    policy.get_by_role("link", name="Completion for the coming Cabinet").click()
    assert policy.get_by_role("heading", name="By service").is_visible()
    assert policy.get_by_role("heading", name="Not submitted (3)").is_visible()
    policy.get_by_role("button", name="Send reminders now").click()
    assert policy.get_by_text("Reminders sent to 2 people.").is_visible()
    assert sorted(m.to[0] for m in mail.outbox) == ["officer@example.gov.uk"] * 2
    assert "Homelessness cases prevented" in mail.outbox[0].body + mail.outbox[1].body

    with connection.cursor() as cursor, dashboard_data.committed_seed(cursor):
        member = sign_in_as("councillor")
        member.get_by_label("Ward").select_option(label="Avoncroft")
        member.get_by_role("button", name="Apply filters").click()
        row = member.get_by_role("row").filter(has_text="Fly-tipping incidents cleared")
        assert "120" in row.inner_text()  # the ward's own latest figure
        with member.expect_download() as download:
            member.get_by_role("link", name="CSV", exact=True).click()
        saved = tmp_path / "view.csv"
        download.value.save_as(saved)
        text = saved.read_text(encoding="utf-8-sig")
        assert "Avoncroft" in text and "Fly-tipping incidents cleared" in text
