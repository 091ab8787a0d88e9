"""Ownership from the registry's posts, the Director's page, My work, the completion tracker,
the confirmed-value dead end, and validated focus lists and overrides."""

import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from tests.webapp.conftest import BROMSGROVE, PASSWORD, REDDITCH, month_start

pytestmark = pytest.mark.django_db

OPS = "ops_failure_demand_council_tax"
OWNER_POST, MANAGER_POST = "Revenues Manager", "Head of Finance and Customer Services"
DIRECTOR_POST = "Executive Director Finance and Resources"


@pytest.fixture
def registry_measure(people):
    """An operational measure named by posts (as the registry does), in both councils, and
    its purpose's Director post."""
    from django.db import connection

    with connection.cursor() as cursor:
        for council in (BROMSGROVE, REDDITCH):
            cursor.execute(
                "insert into marts.dim_measures (measure_id, council_code, name, kind, "
                "purpose_code, team, service_area, unit, polarity, frequency, is_public, "
                "is_key, input_method, owner, manager, director) values (%s, %s, "
                "'Failure demand share: council tax', 'operational', 'finance', 'revenues', "
                "'council_tax', 'percent', 'lower', 'monthly', false, false, 'derived', "
                "%s, %s, %s)",
                [OPS, council, OWNER_POST, MANAGER_POST, DIRECTOR_POST],
            )
        cursor.execute(
            "insert into analysis.measure_icons (measure_id, council_code, variation_icon, "
            "assurance_icon) values (%s, %s, 'concern_high', null)",
            [OPS, BROMSGROVE],
        )
    return people


def person(name: str, role: str, email: str = ""):
    from webapp.officer import roles

    roles.ensure_groups()
    user = User.objects.create_user(name, password=PASSWORD, email=email, first_name=name.title())
    user.groups.add(Group.objects.get(name=role))
    return user


def hold(user, post: str, council: str = BROMSGROVE):
    from webapp.officer.models import PostHolder

    return PostHolder.objects.create(post=post, council_code=council, user=user)


def measure(council: str = BROMSGROVE):
    from webapp.officer.models import Measure

    return Measure.objects.get(measure_id=OPS, council_code=council)


def test_roles_follow_the_post_holders_per_council(registry_measure):
    from webapp.officer import roles

    ruth = person("ruth", "Officer")
    rhys = person("rhys", "Officer")
    harriet = person("harriet", "Manager")
    edna = person("edna", "Director")
    hold(ruth, OWNER_POST, BROMSGROVE)
    hold(rhys, OWNER_POST, REDDITCH)
    hold(harriet, MANAGER_POST, BROMSGROVE)
    hold(edna, DIRECTOR_POST, BROMSGROVE)
    assert roles.owns(ruth, measure(BROMSGROVE)) and not roles.owns(ruth, measure(REDDITCH))
    assert roles.owns(rhys, measure(REDDITCH)) and not roles.owns(rhys, measure(BROMSGROVE))
    assert roles.manages(harriet, measure(BROMSGROVE))
    assert roles.directs(edna, measure(BROMSGROVE)) and not roles.directs(edna, measure(REDDITCH))
    assert [m.measure_id for m in roles.directed_measures(edna)] == [OPS]


def test_a_measure_assignment_overrides_the_post_holder(registry_measure):
    from webapp.officer import roles
    from webapp.officer.models import MeasureAssignment

    ruth = person("ruth", "Officer")
    hold(ruth, OWNER_POST)
    MeasureAssignment.objects.create(
        measure_id=OPS, council_code=BROMSGROVE, role="owner", user=registry_measure.other_officer
    )
    assert not roles.owns(ruth, measure())
    assert roles.owns(registry_measure.other_officer, measure())


def upload(client, text: str, replace: bool = False):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {
        "kind": "file",
        "file-file": SimpleUploadedFile("posts.csv", text.encode(), content_type="text/csv"),
    }
    if replace:
        data["file-replace"] = "on"
    return client.post(reverse("policy_posts"), data)


def test_csv_upload_is_all_or_nothing_and_names_the_bad_rows(registry_measure, sign_in):
    from webapp.officer.models import PostHolder, RoleGrant

    person("ruth", "Officer")
    client = sign_in(registry_measure.policy)
    bad = (
        "post,council,username\n"
        "Revenues Manager,Bromsgrove District Council,ruth\n"
        "Chief Juggler,Bromsgrove,ruth\n"
        "Revenues Manager,Worcester,nobody\n"
    )
    response = upload(client, bad)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Row 3: “Chief Juggler” is not a post named in the measure registry." in page
    assert "Row 4:" in page and "“Worcester” is not a council" in page
    assert "there is no active user called “nobody”" in page
    assert PostHolder.objects.count() == 0

    good = (
        "post,council,username\nRevenues Manager,Redditch,ruth\nRevenues Manager,E07000234,ruth\n"
    )
    response = upload(client, good)
    assert response.status_code == 302
    assert set(PostHolder.objects.values_list("post", "council_code")) == {
        (OWNER_POST, BROMSGROVE),
        (OWNER_POST, REDDITCH),
    }
    grant = RoleGrant.objects.filter(role="post holder").first()
    assert grant.granted_by == "priya" and grant.grantee == "ruth"
    assert "Redditch Borough Council" in RoleGrant.objects.filter(role="post holder").last().scope


def test_posts_page_lists_holders_and_vacant_posts_in_words(registry_measure, sign_in):
    hold(person("ruth", "Officer"), OWNER_POST)
    page = sign_in(registry_measure.policy).get(reverse("policy_posts")).content.decode()
    assert "Bromsgrove District Council" in page
    assert f"{MANAGER_POST}, Redditch Borough Council" in page  # nobody holds it
    assert "E07000234" not in re.sub(r'value="[^"]*"', "", page)  # only in form values


def cycle_people(people):
    ruth = person("ruth", "Officer", "ruth@example.org")
    harriet = person("harriet", "Manager", "harriet@example.org")
    edna = person("edna", "Director", "edna@example.org")
    hold(ruth, OWNER_POST)
    hold(harriet, MANAGER_POST)
    hold(edna, DIRECTOR_POST)
    return ruth, harriet, edna


def text(*, why="Because of the reminder run.") -> dict:
    return {
        "what_data_shows": "Contacts rose after the reminders.",
        "why": why,
        "what_we_are_doing": "Adding payment dates to letters by March.",
    }


def test_director_sees_the_area_exceptions_and_signs_off_the_cycle(registry_measure, sign_in):
    from webapp.officer import workflow
    from webapp.officer.models import Commentary

    ruth, harriet, edna = cycle_people(registry_measure)
    client = sign_in(edna)
    page = client.get(reverse("director")).content.decode()
    assert "Failure demand share: council tax" in page
    assert "Special cause concern (high)" in page  # the exception
    assert "Not submitted: 1" not in page and "Not submitted (1)" in page

    start = month_start(date.today(), 1)
    workflow.save_entry(measure(), start, text(), ruth.username, submit=True)
    workflow.confirm(measure(), start, harriet.username)
    my_work = client.get(reverse("my_work")).content.decode()
    assert "Waiting for your sign-off (1)" in my_work
    key = f"{BROMSGROVE}|{OPS}|{start:%Y-%m-%d}"
    response = client.post(reverse("sign_off_cycle"), {"commentary": [key]})
    assert response.status_code == 302
    signed = Commentary.objects.get(measure_id=OPS, council_code=BROMSGROVE)
    assert (signed.status, signed.signed_off_by, signed.why) == (
        "signed_off",
        "edna",
        "Because of the reminder run.",
    )


def test_bulk_sign_off_refuses_a_director_who_confirmed_it(registry_measure, sign_in):
    from webapp.officer import workflow
    from webapp.officer.models import Commentary

    ruth, _, edna = cycle_people(registry_measure)
    edna.groups.add(Group.objects.get(name="Manager"))
    hold(edna, MANAGER_POST)
    start = month_start(date.today(), 1)
    workflow.save_entry(measure(), start, text(), ruth.username, submit=True)
    workflow.confirm(measure(), start, "edna")
    client = sign_in(edna)
    client.post(reverse("sign_off_cycle"), {"commentary": [f"{BROMSGROVE}|{OPS}|{start:%Y-%m-%d}"]})
    assert Commentary.objects.get(measure_id=OPS, council_code=BROMSGROVE).status == "confirmed"


def test_officer_sees_what_was_returned_and_why_on_my_work(registry_measure, sign_in):
    from webapp.officer import workflow

    ruth, harriet, _ = cycle_people(registry_measure)
    start = month_start(date.today(), 1)
    workflow.save_entry(measure(), start, text(), ruth.username, submit=True)
    workflow.return_to_officer(measure(), start, harriet.username, "Say what last year was.")
    page = sign_in(ruth).get(reverse("my_work")).content.decode()
    assert "Returned to you (1)" in page
    assert "Say what last year was." in page
    assert "Bromsgrove District Council" in page


def test_tracker_counts_by_service_and_director(registry_measure, sign_in):
    from webapp.officer import workflow

    ruth, harriet, _ = cycle_people(registry_measure)
    start = registry_measure.due_month  # the latest period of the coming Cabinet's window
    workflow.save_entry(measure(), start, text(), ruth.username, submit=True)
    page = sign_in(registry_measure.policy).get(reverse("policy_tracker")).content.decode()
    assert "Council tax" in page and DIRECTOR_POST in page
    assert "Awaiting confirmation (1)" in page
    assert "Not submitted (" in page
    assert "council_tax" not in re.sub(r'href="[^"]*"', "", page)  # only in links


@pytest.mark.parametrize("value_status", [None, "draft", "submitted", "confirmed"])
@pytest.mark.parametrize("comment_status", [None, "draft", "returned", "submitted", "confirmed"])
def test_the_entry_page_never_says_the_input_is_and_locked(
    people, sign_in, value_status, comment_status
):
    from webapp.officer.models import Commentary, ManualValue

    start = people.due_month - timedelta(days=1)
    start = date(start.year, start.month, 1)
    key = {
        "measure_id": "hou_homeless_prevented_pct",
        "council_code": BROMSGROVE,
        "period_start": start,
    }
    if value_status:
        ManualValue.objects.create(
            **key,
            period_end=people.due_month - timedelta(days=1),
            value=40,
            entered_by="someone",
            status=value_status,
            confirmed_by="maya" if value_status == "confirmed" else None,
        )
    if comment_status:
        Commentary.objects.create(
            **key,
            author="olivia",
            status=comment_status,
            what_data_shows="x",
            confirmed_by="maya" if comment_status == "confirmed" else None,
        )
    page = sign_in(people.officer).get(
        reverse("enter", args=[BROMSGROVE, key["measure_id"], f"{start:%Y-%m-%d}"])
    )
    assert page.status_code == 200
    assert "This input is  and locked" not in page.content.decode()
    assert "This input is and locked" not in page.content.decode()


def test_commentary_can_be_added_to_a_confirmed_value(people, sign_in):
    from webapp.officer import reminders, workflow
    from webapp.officer.models import ManualValue, Measure

    m = Measure.objects.get(measure_id="hou_homeless_prevented_pct", council_code=BROMSGROVE)
    start = people.due_month  # the latest period of the coming Cabinet's window
    ManualValue.objects.create(
        measure_id=m.measure_id,
        council_code=BROMSGROVE,
        period_start=start,
        period_end=month_start(date.today(), -1) - timedelta(days=1),
        value=40,
        entered_by="demo officer",
        status="confirmed",
        confirmed_by="demo manager",
    )
    due, _ = reminders.tasks_for(people.officer)
    (task,) = [t for t in due if t.measure.measure_id == m.measure_id]
    assert task.progress == "Value confirmed; commentary not written yet"
    workflow.save_entry(m, start, {**text(), "value": 99}, "olivia", submit=True)
    workflow.confirm(m, start, "maya")
    value = ManualValue.objects.get(measure_id=m.measure_id, period_start=start)
    assert (value.value, value.confirmed_by) == (40, "demo manager")


def test_focus_date_must_be_a_cabinet_meeting_in_the_calendar(people, sign_in):
    from webapp.officer.models import CmtFocus, ReportingCalendar

    client = sign_in(people.policy)
    cabinet = ReportingCalendar.objects.filter(event="cabinet", council_code=BROMSGROVE).latest(
        "meeting_date"
    )
    form = {"measure": f"{BROMSGROVE}|hou_homeless_prevented_pct", "reason": "Rising demand"}
    response = client.post(reverse("policy_focus"), {**form, "cabinet_date": "2031-02-03"})
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "Enter the date of a Bromsgrove District Council Cabinet meeting in the reporting calendar"
        in page
    )
    assert not CmtFocus.objects.exists()
    response = client.post(
        reverse("policy_focus"), {**form, "cabinet_date": f"{cabinet.meeting_date}"}
    )
    assert response.status_code == 302 and CmtFocus.objects.count() == 1


@pytest.fixture
def overrides_table(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "create table if not exists input.freshness_overrides (override_id bigserial "
            "primary key, output text not null, source text, reason text not null, person text "
            "not null, created_at timestamptz not null default now(), expires_at timestamptz "
            "not null, revoked_at timestamptz, revoked_by text)"
        )


def test_an_override_must_name_an_output_that_exists(people, sign_in, overrides_table):
    from webapp.officer.models import FreshnessOverride

    client = sign_in(people.policy)
    form = {"reason": "Partner return is late", "expires_at": "2099-01-01 09:00"}
    response = client.post(reverse("policy_overrides"), {**form, "output": "cabnet"})
    assert response.status_code == 400
    assert "Select an output from the list" in response.content.decode()
    assert not FreshnessOverride.objects.exists()
    response = client.post(reverse("policy_overrides"), {**form, "output": "report:cabinet"})
    assert response.status_code == 302
    assert FreshnessOverride.objects.get().output == "report:cabinet"
    assert "Cabinet pack" in client.get(reverse("policy_overrides")).content.decode()
