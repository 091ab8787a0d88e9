"""The officer app's tests run against the session's real PostgreSQL (tests/conftest.py
`pg_server`): pytest-django creates its test database there, migrates it, and we add the
read-only marts and analysis tables the app reads, with fixture rows."""

import os
import sys
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest

from orchestration.lib import environment

if str(environment.REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(environment.REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

from tests.support.marts import DIM_MEASURES_SQL

django.setup()
# Hashing strength is tested on its own; a fast hasher keeps the suite quick.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

BROMSGROVE, REDDITCH = "E07000234", "E07000236"
PASSWORD = "correct-horse-battery"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(pg_server):
    """Point Django's default database at the session's server (test DB created by Django)."""
    from django.db import connections

    parts = urlsplit(pg_server)
    config = connections.databases["default"]
    config.update(
        HOST=parts.hostname,
        PORT=str(parts.port),
        USER=parts.username,
        PASSWORD=parts.password or "",
        NAME=f"webapp_{uuid.uuid4().hex[:8]}",
        CONN_MAX_AGE=0,  # the live server's threads must not keep the test database open
    )
    config["TEST"]["NAME"] = f"test_{config['NAME']}"


MEASURES_DDL = f"""
create schema if not exists marts;
create schema if not exists analysis;
create table marts.dim_purposes (
    purpose_code text primary key, purpose_name text, director text, description text,
    sort_order int);
{DIM_MEASURES_SQL}
create table analysis.measure_icons (
    measure_id text, council_code text, variation_icon text, assurance_icon text,
    spc_shown bool, n int, latest_period_start date, latest_value numeric,
    previous_value numeric, warnings text, text_alternative text, chart_svg text,
    no_signal_reason text, primary key (measure_id, council_code));
"""

PURPOSES = [
    ("home", "Help me to find somewhere to live in my locality", 1),
    ("finance", "Help me to be financially independent", 3),
]
# measure_id, council, name, purpose, team, service, locality, unit, frequency, input_method
MEASURES = [
    (
        "hou_homeless_prevented_pct",
        BROMSGROVE,
        "Homelessness cases prevented",
        "home",
        "Housing Options",
        "Housing",
        None,
        "percent",
        "monthly",
        "manual",
    ),
    (
        "hou_register_median_days",
        BROMSGROVE,
        "Housing register end-to-end time",
        "home",
        "Housing Options",
        "Housing",
        "Rural",
        "days",
        "monthly",
        "derived",
    ),
    (
        "fin_benefit_claims_count",
        REDDITCH,
        "Benefit claims processed",
        "finance",
        "Revenues and Benefits",
        "Benefits",
        None,
        "count",
        "monthly",
        "manual",
    ),
]


def chart_for(name: str, unit: str) -> tuple[str, str]:
    from orchestration.lib import spc
    from orchestration.lib.spc import charts

    values = [40, 42, 41, 43, 39, 44, 45, 41, 42, 60, 61, 62, 63, 64, 65, 66]
    result = spc.xmr(values)
    return charts.render_svg(result, name, unit), charts.describe(result, name, unit)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(MEASURES_DDL)
        for code, name, order in PURPOSES:
            cursor.execute(
                "insert into marts.dim_purposes (purpose_code, purpose_name, sort_order) "
                "values (%s, %s, %s)",
                [code, name, order],
            )
        for m_id, council, name, purpose, team, service, locality, unit, freq, method in MEASURES:
            cursor.execute(
                "insert into marts.dim_measures (measure_id, council_code, name, kind, "
                "purpose_code, team, service_area, locality, unit, polarity, frequency, "
                "is_public, is_key, input_method, definition) values "
                "(%s, %s, %s, 'strategic', %s, %s, %s, %s, %s, 'higher', %s, true, true, %s, %s)",
                [
                    m_id,
                    council,
                    name,
                    purpose,
                    team,
                    service,
                    locality,
                    unit,
                    freq,
                    method,
                    f"Definition of {name}.",
                ],
            )
            svg, text = chart_for(name, unit)
            cursor.execute(
                "insert into analysis.measure_icons (measure_id, council_code, variation_icon, "
                "assurance_icon, spc_shown, n, chart_svg, text_alternative) "
                "values (%s, %s, 'improvement_high', 'inconsistent', true, 16, %s, %s)",
                [m_id, council, svg, text],
            )


def month_start(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class People:
    officer: object
    other_officer: object
    manager: object
    other_manager: object
    director: object
    policy: object
    member: object
    partner: object
    due_month: date
    overdue_month: date


@pytest.fixture
def people(db):
    """One user per role, assignments, and a reporting calendar around today."""
    from django.contrib.auth.models import Group, User

    from webapp.officer import roles
    from webapp.officer.models import MeasureAssignment, PurposeDirector, ReportingCalendar

    roles.ensure_groups()

    def user(name: str, role: str):
        person = User.objects.create_user(name, password=PASSWORD)
        person.groups.add(Group.objects.get(name=role))
        return person

    found = People(
        officer=user("olivia", roles.OFFICER),
        other_officer=user("oscar", roles.OFFICER),
        manager=user("maya", roles.MANAGER),
        other_manager=user("milo", roles.MANAGER),
        director=user("dev", roles.DIRECTOR),
        policy=user("priya", roles.POLICY),
        member=user("councillor", roles.MEMBER),
        partner=user("police", roles.PARTNER),
        # the latest month that has ended: input for a month is given after it
        due_month=month_start(date.today(), 1),
        overdue_month=month_start(date.today(), 3),
    )
    for measure_id, council, who in [
        ("hou_homeless_prevented_pct", BROMSGROVE, (found.officer, found.manager)),
        ("hou_register_median_days", BROMSGROVE, (found.officer, found.manager)),
        ("fin_benefit_claims_count", REDDITCH, (found.other_officer, found.other_manager)),
    ]:
        for role, person in zip(("owner", "manager"), who, strict=True):
            MeasureAssignment.objects.create(
                measure_id=measure_id, council_code=council, role=role, user=person
            )
    PurposeDirector.objects.create(purpose_code="home", user=found.director)
    today = date.today()
    for council in (BROMSGROVE, REDDITCH):
        ReportingCalendar.objects.create(
            event="cabinet",
            meeting_date=today + timedelta(days=20),
            council_code=council,
            period_start=month_start(today, 2),
            period_end=month_start(today, -1) - timedelta(1),
        )
        ReportingCalendar.objects.create(
            event="cabinet",
            meeting_date=today - timedelta(days=10),
            council_code=council,
            period_start=month_start(today, 5),
            period_end=month_start(today, 2) - timedelta(1),
        )
    return found


@pytest.fixture
def sign_in(client):
    """sign_in(person) -> the test client, signed in as that person."""

    def signed_in(person):
        client.logout()
        client.force_login(person, backend=MODEL_BACKEND)
        return client

    return signed_in


@pytest.fixture
def sign_in_as(chromium, live_server):
    contexts = []

    def open_page(username: str):
        context = chromium.new_context()
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(live_server.url + "/")
        assert "/accounts/login/" in page.url
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, page.content()
        return page

    yield open_page
    for context in contexts:
        context.close()
