"""The officer app end to end: an officer enters a value and commentary in the browser, the manager
confirms it, the Director signs it off, and the next Cabinet pack built from the same warehouse
shows it (a draft does not).

The app's database is the warehouse (docs/webapp.md), so the pack is built from the Django test
database itself: bootstrapped like the warehouse, with fixture marts rows standing in for dbt.
Needs Debian's /usr/bin/chromium (apt-get install -y chromium)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import psycopg
import pytest
from click.testing import CliRunner
from django.db import connection
from pypdf import PdfReader

from orchestration.commands.report import report
from orchestration.lib import environment
from orchestration.lib.quality import freshness
from orchestration.lib.reporting import calendar, freeze
from orchestration.lib.warehouse import bootstrap

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BROMSGROVE = "E07000234"
MANUAL = "hou_homeless_prevented_pct"  # is_key, manual, owned by olivia, managed by maya
DERIVED = "hou_register_median_days"  # is_key, derived, also olivia's
OWNER_NAME = "Olivia Officer-Ashworth"
SHOWS = "Prevention climbed to 73 per cent once the Tuesday triage clinic opened."
DOING = "Extending the triage clinic to Thursdays and phoning rural applicants first."
DRAFT = "Half-written thoughts about register delays, not for Cabinet."
HISTORY_MONTHS = 18

FIXTURE_DDL = """
create table marts.fct_measure_values (measure_id text, council_code text, period_start date,
  period_end date, geography_type text, geography_code text, numerator numeric,
  denominator numeric, value numeric, status text, loaded_at timestamptz default now());
create table marts.measure_quality (measure_id text, council_code text, period_start date,
  criterion text, status text, evidence text, checked_at timestamptz default now());
"""
# Stand-in for dbt's int_measure_values_manual -> fct_measure_values for the entered month.
MANUAL_VALUES_TO_FACTS = """
insert into marts.fct_measure_values
select measure_id, council_code, period_start, period_end, 'council', council_code, numerator,
       denominator, value, case when status = 'confirmed' then 'final' else 'provisional' end
from input.manual_values where status in ('submitted', 'confirmed')
"""


def month_start(day: dt.date, months_back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(start: dt.date) -> dt.date:
    return month_start(start, -1) - dt.timedelta(days=1)


def cabinet_covering(month: dt.date) -> calendar.Period:
    """The Cabinet cycle whose reporting window holds `month` (from the real calendar config)."""
    for ahead in range(1, 4):
        meeting = month_start(month, -ahead)
        try:
            period = calendar.period("cabinet", f"{meeting:%Y-%m}")
        except ValueError:
            continue  # Cabinet does not meet that month
        if period.period_start <= month <= period.period_end:
            return period
    raise AssertionError(f"No Cabinet cycle covers {month}")


def warehouse_url() -> str:
    s = connection.settings_dict
    return f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def _catalogue(conn) -> tuple[set[str], set[str]]:
    schemas = {r[0] for r in conn.execute("select nspname from pg_namespace")}
    tables = {
        r[0]
        for r in conn.execute(
            "select schemaname || '.' || tablename from pg_tables "
            "where schemaname not in ('pg_catalog', 'information_schema')"
        )
    }
    return schemas, tables


@pytest.fixture
def warehouse(people, workspace, monkeypatch):
    """The app's database made a warehouse for this test, with fixture marts; put back after."""
    url = warehouse_url()
    with psycopg.connect(url, autocommit=True) as conn:
        schemas_before, tables_before = _catalogue(conn)
        owner_before = conn.execute(
            "select owner from marts.dim_measures where measure_id = %s and council_code = %s",
            (MANUAL, BROMSGROVE),
        ).fetchone()[0]
    bootstrap.bootstrap(url)
    entered = month_start(dt.date.today(), 1)  # last month: open in the `people` calendar
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(FIXTURE_DDL)
        conn.execute(
            "update marts.dim_measures set owner = %s where measure_id = %s and council_code = %s",
            (OWNER_NAME, MANUAL, BROMSGROVE),
        )
        rows = conn.execute("select measure_id, council_code from marts.dim_measures").fetchall()
        for measure_id, council in rows:
            for back in range(HISTORY_MONTHS, -1, -1):
                start = month_start(entered, back)
                if measure_id == MANUAL and start == entered:
                    continue  # this month's value is the one the officer enters
                conn.execute(
                    "insert into marts.fct_measure_values values "
                    "(%s, %s, %s, %s, 'council', %s, null, null, %s, 'final')",
                    (measure_id, council, start, month_end(start), council, 60 + back % 4),
                )
        for criterion in ("relevant", "well_defined", "timely", "reliable"):
            conn.execute(
                "insert into marts.measure_quality values (%s, %s, %s, %s, 'pass', 'checked')",
                (MANUAL, BROMSGROVE, entered, criterion),
            )
    freshness.add_override(
        url,
        "report:cabinet",
        "Fixture warehouse: no loads are recorded in this test.",
        "Policy Team",
        dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
    )
    monkeypatch.setenv(environment.WAREHOUSE_URL_VAR, url)
    yield url, entered
    with psycopg.connect(url, autocommit=True) as conn:
        schemas_after, tables_after = _catalogue(conn)
        for table in sorted(tables_after - tables_before):
            schema, name = table.split(".")
            if schema in schemas_before:
                conn.execute(f'drop table "{schema}"."{name}" cascade')
        for schema in sorted(schemas_after - schemas_before):
            conn.execute(f'drop schema if exists "{schema}" cascade')
        conn.execute(
            "update marts.dim_measures set owner = %s where measure_id = %s and council_code = %s",
            (owner_before, MANUAL, BROMSGROVE),
        )


def flat(text: str) -> str:
    return " ".join(text.split())


def html_section(page: str, measure_name: str) -> str:
    """The <section> of one measure in a flattened HTML pack."""
    found = re.search(
        rf'<section class="measure"[^>]*> <h\d[^>]*>{re.escape(measure_name)}</h\d>.*?</section>',
        page,
    )
    assert found, f"no section for {measure_name}"
    return found.group(0)


def test_confirmed_commentary_reaches_the_cabinet_pack(warehouse, sign_in_as, live_server):
    url, entered = warehouse
    period = cabinet_covering(entered)
    enter_page = f"{live_server.url}/measures/{BROMSGROVE}/{{}}/{entered.isoformat()}/enter/"

    officer = sign_in_as("olivia")
    officer.goto(enter_page.format(MANUAL))
    officer.get_by_label("Value").fill("72.5")
    officer.get_by_label("What the data shows").fill(SHOWS)
    officer.get_by_label("Why", exact=True).fill("A new triage service started.")
    officer.get_by_label("What we are doing").fill(DOING)
    officer.get_by_role("button", name="Submit for confirmation").click()
    assert "Submitted to your manager" in officer.content()
    officer.goto(enter_page.format(DERIVED))
    officer.get_by_label("What the data shows").fill(DRAFT)
    officer.get_by_role("button", name="Save draft").click()
    assert "Draft saved" in officer.content()

    manager = sign_in_as("maya")
    manager.get_by_role("link", name="To confirm").click()
    manager.get_by_role(
        "link", name=f"Homelessness cases prevented (Bromsgrove District Council), {entered:%B %Y}"
    ).click()
    manager.get_by_role("button", name="Confirm").click()
    assert "Confirmed: Homelessness cases prevented" in manager.content()

    director = sign_in_as("dev")
    director.get_by_role("link", name="To sign off").click()
    director.get_by_role(
        "link", name=f"Homelessness cases prevented (Bromsgrove District Council), {entered:%B %Y}"
    ).click()
    director.get_by_role("button", name="Sign off").click()
    assert "Signed off: Homelessness cases prevented" in director.content()

    with psycopg.connect(url, autocommit=True) as conn:
        confirmed_at, signed_off_at = conn.execute(
            "select confirmed_at, signed_off_at from input.commentary "
            "where measure_id = %s and status = %s",
            (MANUAL, "signed_off"),
        ).fetchone()
        conn.execute(MANUAL_VALUES_TO_FACTS)

    # The next run: `bdc report cabinet` (the same build.build the Dagster asset calls), gate on.
    result = CliRunner().invoke(report, ["cabinet", "--period", period.key])
    assert result.exit_code == 0, result.output
    assert "overridden by Policy Team" in result.output  # the real gate ran, with the override
    folder = freeze.pack_dir("cabinet", period.key)
    html = flat((folder / f"cabinet-{period.key}-bromsgrove.html").read_text())
    pdf = flat(
        " ".join(
            page.extract_text()
            for page in PdfReader(folder / f"cabinet-{period.key}-bromsgrove.pdf").pages
        )
    )
    confirmed_day = confirmed_at.astimezone(ZoneInfo(environment.TIMEZONE)).date()
    signed_day = signed_off_at.astimezone(ZoneInfo(environment.TIMEZONE)).date()
    expected = [
        SHOWS,
        DOING,
        f"By olivia for {entered:%B %Y}.",
        f"Confirmed by maya on {confirmed_day.day} {confirmed_day:%B %Y}.",
        f"Signed off by dev on {signed_day.day} {signed_day:%B %Y}.",
    ]
    manual_html = html_section(html, "Homelessness cases prevented")
    assert f"Owner</th><td>{OWNER_NAME}</td>" in manual_html
    # In the PDF, a measure's commentary follows its own Owner row, before the next one's.
    manual_pdf = pdf.split(f"Owner {OWNER_NAME}")[1].split("Owner ")[0]
    for section in (manual_html, manual_pdf):
        for text in expected:
            assert text in section, text
        assert "Not yet confirmed" not in section
    assert DRAFT not in html and DRAFT not in pdf
    derived_html = html_section(html, "Housing register end-to-end time")
    assert "No signed-off commentary yet." in derived_html

    figures = (folder / f"cabinet-{period.key}-bromsgrove.csv").read_text()
    entered_row = f"{entered.isoformat()},{month_end(entered).isoformat()},72.5"
    assert f"{MANUAL},Homelessness cases prevented,percent,{entered_row}" in figures
