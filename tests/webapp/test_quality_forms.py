"""Policy Team forms on the quality engineer's waivers and freshness overrides."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from orchestration.lib.quality import store

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def quality_tables(people):
    """The quality engineer's own DDL, inside this test's transaction."""
    with connection.cursor() as cursor:
        cursor.execute("create schema if not exists audit")
    store.ensure_tables(connection.connection)


def rows(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def test_pages_say_when_the_tables_are_missing(people, sign_in):
    page = sign_in(people.policy).get(reverse("policy_waivers"))
    assert page.status_code == 503 and "not set up yet" in page.text


def test_policy_team_records_and_revokes_a_waiver(quality_tables, people, sign_in):
    client = sign_in(people.policy)
    expires = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%d %H:%M")
    short = client.post(
        reverse("policy_waivers"),
        {"measure": "E07000234|hou_homeless_prevented_pct", "reason": "bad", "expires_at": expires},
    )
    assert short.status_code == 400 and "at least 5 characters" in short.text
    past = client.post(
        reverse("policy_waivers"),
        {
            "measure": "E07000234|hou_homeless_prevented_pct",
            "reason": "Known backlog",
            "expires_at": "2020-01-01 10:00",
        },
    )
    assert "The expiry must be in the future." in past.text
    ok = client.post(
        reverse("policy_waivers"),
        {
            "measure": "E07000234|hou_homeless_prevented_pct",
            "criterion": "timely",
            "reason": "Known backlog in the case system",
            "expires_at": expires,
        },
    )
    assert ok.status_code == 302
    assert rows(
        "select measure_id, criterion, waived_by, revoked_at from input.quality_waivers"
    ) == [("hou_homeless_prevented_pct", "timely", "priya", None)]
    waiver_id = rows("select waiver_id from input.quality_waivers")[0][0]
    client.post(reverse("quality_revoke", args=["waiver", waiver_id]))
    assert rows("select revoked_by from input.quality_waivers") == [("priya",)]
    assert sign_in(people.officer).get(reverse("policy_waivers")).status_code == 403


def test_policy_team_records_a_freshness_override(quality_tables, people, sign_in):
    client = sign_in(people.policy)
    expires = (timezone.now() + timedelta(days=7)).strftime("%Y-%m-%d %H:%M")
    response = client.post(
        reverse("policy_overrides"),
        {
            "output": "report:cabinet",
            "source": "hr_enabling",
            "reason": "HR file late; agreed by CMT",
            "expires_at": expires,
        },
    )
    assert response.status_code == 302
    assert rows("select output, source, person from input.freshness_overrides") == [
        ("report:cabinet", "hr_enabling", "priya")
    ]
