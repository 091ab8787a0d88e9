"""Suites run through their GX Checkpoint against a real PostgreSQL: the results the gate reads,
GX's own results store, and the officers' Data Docs opened in Chromium with the network cut off.
"""

import datetime as dt
import json
import re
import uuid
from urllib.parse import unquote, urlsplit

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from orchestration.defs.quality import checks
from orchestration.lib import warehouse
from orchestration.lib.dagster.resources import WarehouseResource
from orchestration.lib.quality import data_docs, freshness, gate, suite_files, validation
from orchestration.lib.quality.expectations import CRITERION_WORDS
from orchestration.lib.warehouse import bootstrap

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

BROMSGROVE, REDDITCH = "E07000234", "E07000236"
PREVENTED = "hou_prevented_pct"
PREVENTED_NAME = "Households prevented from becoming homeless"
JAN, FEB = dt.date(2025, 1, 1), dt.date(2025, 2, 1)
LATER = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)

MARTS_SQL = """
create table marts.dim_purposes (purpose_code text, purpose_name text, director text,
    description text, sort_order int);
insert into marts.dim_purposes values ('home', 'Help me to find somewhere to live', 'D', 'x', 1);
create table marts.dim_measures (measure_id text, council_code text, name text, kind text,
    purpose_code text, team text, owner text, definition text, numerator_definition text,
    denominator_definition text, unit text, polarity text, frequency text, source text,
    calculation_family text);
create table marts.fct_measure_values (measure_id text, council_code text, period_start date,
    period_end date, geography_type text, geography_code text, numerator numeric,
    denominator numeric, value numeric, status text, loaded_at timestamptz default now());
"""
MEASURE = """insert into marts.dim_measures values (%s, %s, %s, 'strategic', 'home',
    'housing_options', 'Housing Options Manager', 'Share of households kept in their home.',
    'prevented', 'owed a prevention duty', 'percent', 'higher', 'monthly', 'stats_homelessness',
    'share')"""
FIGURE = """insert into marts.fct_measure_values (measure_id, council_code, period_start,
    period_end, geography_type, geography_code, numerator, denominator, value, status)
    values (%s, %s, %s, %s, 'council', %s, %s, %s, %s, 'final')"""


def _suite(name):
    return next(suite for suite in suite_files.all_suites() if suite.name == name)


@pytest.fixture(scope="module")
def checked(pg_server, tmp_path_factory):
    """A warehouse whose measures table has one wrong figure (Bromsgrove's February: more
    households prevented than owed a duty), its three mart suites run through their
    Checkpoints into this module's Data Docs."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    url = pg_server.rsplit("/", 1)[0] + f"/{name}"
    warehouse.create_database(url)
    bootstrap.bootstrap(url, {"analyst": "analyst-test", "public_reader": "public-test"})
    with psycopg.connect(url) as conn:
        conn.execute(MARTS_SQL)
        for council in (BROMSGROVE, REDDITCH):
            conn.execute(MEASURE, (PREVENTED, council, PREVENTED_NAME))
        for council, month, numerator in (
            (BROMSGROVE, JAN, 30),
            (BROMSGROVE, FEB, 50),
            (REDDITCH, FEB, 20),
        ):
            end = freshness.period_containing("monthly", month).end
            value = round(100.0 * numerator / 40, 4)
            conn.execute(FIGURE, (PREVENTED, council, month, end, council, numerator, 40, value))
    output = tmp_path_factory.mktemp("build")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BDC_OUTPUT_DIR", str(output))
        runs = {
            suite: validation.run_suite(url, _suite(suite))
            for suite in ("marts.dim_purposes", "marts.dim_measures", "marts.fct_measure_values")
        }
        yield {"url": url, "runs": runs, "site": output / "quality" / "data_docs"}
    with psycopg.connect(pg_server.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )


def _file(url: str):
    from pathlib import Path

    return Path(unquote(urlsplit(url).path))


def test_a_checkpoint_run_records_the_results_the_gate_reads(checked):
    url, run = checked["url"], checked["runs"]["marts.fct_measure_values"]
    failed = {o.expectation.check_id: o for o in run.outcomes if not o.success}
    assert set(failed) == {"numerator_le_denominator", "value_in_unit_range"}
    assert failed["numerator_le_denominator"].expectation.severity == "ERROR"
    with psycopg.connect(url) as conn:
        recorded = conn.execute(
            """select r.check_id, r.severity, r.measure_id, r.council_code, r.period_start,
                      r.unexpected_count
               from audit.quality_results r join audit.quality_runs q using (run_id)
               where q.run_id = %s and not r.success order by r.check_id""",
            (run.run_id,),
        ).fetchall()
    assert recorded == [
        ("numerator_le_denominator", "ERROR", PREVENTED, BROMSGROVE, FEB, 1),
        ("value_in_unit_range", "ERROR", PREVENTED, BROMSGROVE, FEB, 1),
    ]
    freshness.add_override(url, "*", "Test: sources are not part of this case", "Policy", LATER)
    blocked = gate.check_gate(url, "report:demo", dt.date(2025, 2, 28), today=dt.date(2025, 4, 20))
    assert not blocked.allowed
    assert any("numerator_le_denominator" in r and PREVENTED in r for r in blocked.reasons)
    # January's report does not include February's figure.
    assert gate.check_gate(url, "report:demo", dt.date(2025, 1, 31), today=dt.date(2025, 4, 20))

    # GX's own results store holds the suite's latest result, with GX's native severity and
    # the rule, criterion and owner in each expectation's meta.
    files = sorted((checked["site"].parent / "validations").rglob("*.json"))
    by_suite = {json.loads(path.read_text())["suite_name"]: path for path in files}
    assert set(by_suite) == set(checked["runs"])
    result = json.loads(by_suite["marts.fct_measure_values"].read_text())
    assert result["meta"]["quality"]["run_id"] == run.run_id
    item = next(
        r for r in result["results"] if r["expectation_config"]["meta"]["rule_id"]
        == "numerator_le_denominator"
    )  # fmt: skip
    config = item["expectation_config"]
    assert (config["type"], config["severity"]) == ("unexpected_rows_expectation", "critical")
    assert config["meta"]["criterion"] == "accurate" and config["meta"]["owner"] == "Policy Team"
    assert item["result"]["details"]["unexpected_rows"][0]["measure_id"] == PREVENTED
    assert item["meta"]["measures"][f"{PREVENTED}|{BROMSGROVE}"]["name"] == PREVENTED_NAME
    # Passing row queries are stored as GX's own class too (their run only counted rows).
    assert {r["expectation_config"]["type"] for r in result["results"]} <= {
        "unexpected_rows_expectation",
        "expect_table_row_count_to_be_between",
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
        "expect_compound_columns_to_be_unique",
    }
    assert _file(run.page).exists() and _file(run.page).is_relative_to(checked["site"])
    # A passing suite's page (rendered once, before the run was recorded) names its table in
    # words and its owner too.
    passing = _file(checked["runs"]["marts.dim_purposes"].page).read_text()
    assert "The strategy&#39;s purposes: data quality checks" in passing
    assert "Policy Team" in passing and "All 3 checks passed." in passing


def test_running_a_suite_again_keeps_only_its_latest_result_and_page(checked):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BDC_OUTPUT_DIR", str(checked["site"].parent.parent))
        again = validation.run_suite(checked["url"], _suite("marts.dim_purposes"))
        pages = sorted((checked["site"] / "validations" / "marts" / "dim_purposes").rglob("*"))
        results = sorted(data_docs.results_dir().joinpath("marts", "dim_purposes").rglob("*"))
    assert [p for p in pages if p.is_file()] == [_file(again.page)]
    assert len([p for p in results if p.is_file()]) == 1
    assert all(p.is_file() or any(p.iterdir()) for p in pages + results)  # no empty folders


def test_the_suite_check_links_its_data_docs_page(checked, tmp_path, monkeypatch):
    monkeypatch.setenv("BDC_OUTPUT_DIR", str(checked["site"].parent.parent))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))

    @dg.asset(key=["marts", "fct_measure_values"])
    def fct_measure_values():
        return None  # the table is the fixture's; materializing it runs its check

    result = dg.materialize(
        [fct_measure_values, checks.build_suite_check(_suite("marts.fct_measure_values"))],
        resources={"warehouse": WarehouseResource(url=checked["url"])},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    index, page = evaluation.metadata["data_docs"], evaluation.metadata["data_docs_page"]
    assert isinstance(index, dg.UrlMetadataValue) and isinstance(page, dg.UrlMetadataValue)
    assert index.url == (checked["site"] / "index.html").as_uri()
    assert page.url.startswith("file://") and _file(page.url).exists()
    assert PREVENTED_NAME in _file(page.url).read_text()


def test_every_page_and_style_loads_only_files_of_the_site(checked):
    site = checked["site"]
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 4  # the index and the three suites
    for path in pages + sorted(site.rglob("*.css")):
        text = path.read_text()
        remote = re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//[^"'\s>]+""", text)
        remote += re.findall(r"""url\(\s*["']?(?:https?:)?//[^)]+\)""", text)
        remote += re.findall(r"@import[^;]*(?:https?:)?//[^;]+;", text)
        assert remote == [], f"{path.relative_to(site)} loads {remote[:3]}"
    for folder in ("bootstrap", "jquery", "fontawesome"):
        assert list((site / "static" / "vendor" / folder).glob("LICEN*")), folder
    notice = (site / "static" / "vendor" / "LICENCES.txt").read_text()
    assert "bootstrap 4.6.2: MIT" in notice and "popper.js" in notice


def _axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.2 AA violations on the page (the checker the site's tests use)."""
    from tests.support.officer_pages import AXE, AXE_RUN, WCAG_TAGS

    page.add_script_tag(path=str(AXE))
    found = page.evaluate(AXE_RUN, WCAG_TAGS)["violations"]
    return [f"{v['id']}: {v['help']} ({v['nodes'][0]['html'][:120]})" for v in found]


def _offline_page(chromium):
    """A page whose every request that is not a file of this machine is aborted, and listed."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    attempted, problems = [], []

    def only_files(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()

    page.route("**/*", only_files)
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    return context, page, attempted, problems


def test_the_index_opens_offline_with_the_six_criteria_and_every_table(checked, chromium):
    context, page, attempted, problems = _offline_page(chromium)
    try:
        page.goto((checked["site"] / "index.html").as_uri())
        text = page.locator("main").inner_text()
        stylesheet = page.evaluate("getComputedStyle(document.querySelector('table')).display")
        icon = page.evaluate(
            "getComputedStyle(document.querySelector('i.fas'), '::before').fontFamily"
        )
        loading = list(problems)  # axe's own reading of the stylesheets is not the page's
        violations = _axe_violations(page)
    finally:
        context.close()
    assert attempted == [] and loading == [] and violations == []
    assert stylesheet == "table" and "Font Awesome" in icon  # the bundled CSS and icons loaded
    assert "The six criteria" in text
    for name, _, explanation in CRITERION_WORDS.values():
        assert name in text and explanation in text
    for suite in checked["runs"]:
        assert _suite(suite).title in text and suite in text
    assert "1 has failures that stop publication" in text
    assert "Not checked yet" in text and "CRM contacts (demand)" in text  # no raw tables here


def test_a_failed_checks_page_names_the_measure_council_and_period(checked, chromium):
    context, page, attempted, problems = _offline_page(chromium)
    try:
        page.goto((checked["site"] / "index.html").as_uri())
        page.get_by_role("link", name=_suite("marts.fct_measure_values").title).click()
        page.wait_for_load_state()
        attention = page.locator("section.officer-failure").first.inner_text()
        heading = page.locator("h1").inner_text()
        results_table = page.locator("#section-3 table").first.inner_text()
        loading = list(problems)  # axe's own reading of the stylesheets is not the page's
        violations = _axe_violations(page)
        page.get_by_role("button", name="Show failed checks only").click()
        visible_passes = page.locator(
            ".hide-succeeded-validations-column-section-target-child:visible"
        ).count()
    finally:
        context.close()
    assert attempted == [] and loading == [] and violations == []
    assert heading.startswith("Measure figures")
    assert "A percentage's numerator never exceeds its denominator" in attention
    assert "Stops publication until it is fixed or waived. 1 row does not meet it." in attention
    for words in (PREVENTED_NAME, "Bromsgrove District Council", "February 2025"):
        assert words in attention
    assert "Redditch" not in attention.split("Rows concerned")[0]  # its February is right
    assert "Accurate." in attention and "Housing Options Manager" in attention
    assert "What to do" in attention and "measure register" in attention
    # GX's own results table (after the overview and the failures), with each check's
    # criterion in words and what its failure does.
    assert "Criterion" in results_table and "If it fails" in results_table
    assert "Reliable" in results_table and "Stops publication" in results_table
    assert visible_passes == 0


def test_every_page_passes_the_nu_html_checker(checked):
    import subprocess

    from tests.support.officer_pages import vnu_command

    site = checked["site"]
    result = subprocess.run(
        [*vnu_command(), "--errors-only", "--format", "json", "--skip-non-html", str(site)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{m.get('url', '').rsplit(str(site), 1)[-1]}: {m.get('message')} ({m.get('extract')!r})"
        for m in messages
        if m.get("type") == "error"
    ]
    assert errors == []
