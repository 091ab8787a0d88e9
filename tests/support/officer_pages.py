"""Helpers for the officer app's entry, review and accessibility tests: the marts the entry
form's context reads (figures, chart limits, neighbours), the compiled stylesheet, and the
checkers (axe-core in the browser, the Nu HTML Checker on the page's source)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from orchestration.lib import environment

AXE = environment.REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_RUN = """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations']})"""

BROMSGROVE, REDDITCH = "E07000234", "E07000236"
PCT = "hou_homeless_prevented_pct"
DAYS = "hou_register_median_days"  # derived (calculated from source data)
CLAIMS = "fin_benefit_claims_count"  # a count, Redditch

# Columns as in the marts' contracts (dbt_project/models/marts/measures/_measures__models.yml).
DDL = """
create table if not exists marts.fct_measure_values (measure_id text not null,
  council_code text not null, period_start date not null, period_end date not null,
  geography_type text not null, geography_code text not null, numerator numeric,
  denominator numeric, value numeric, status text, loaded_at timestamptz);
create table if not exists analysis.measure_spc (measure_id text not null,
  council_code text not null, period_start date not null, value double precision,
  partition integer not null, ghost boolean not null, mean double precision,
  upl double precision, lpl double precision, upper_two_sigma double precision,
  lower_two_sigma double precision, rules_high text not null, rules_low text not null,
  point_type text, primary key (measure_id, council_code, period_start));
create table if not exists marts.fct_neighbour_comparison (comparison_id text,
  comparison_name text, source_table text, unit text, polarity text, sort_order numeric,
  period_start date, period_end date, period_label text, area_code text, area_name text,
  is_platform_council boolean, value numeric, rate numeric, rate_unit text,
  denominator numeric, rank_among_neighbours numeric, districts_ranked numeric,
  rank_order text, is_latest_period boolean);
"""
TABLES = ["marts.fct_measure_values", "analysis.measure_spc", "marts.fct_neighbour_comparison"]


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def seed_entry_marts(cursor, due_month: dt.date) -> None:
    """Fourteen months of council figures for each measure up to last month (this month for the
    derived one), usual limits for the count, a target for the percentage, and a published
    comparison with the neighbours for the percentage."""
    cursor.execute(DDL)
    for months_back in range(14, 0, -1):
        start = add_months(due_month, -months_back)
        end = add_months(start, 1) - dt.timedelta(days=1)
        for measure_id, council, value in (
            (PCT, BROMSGROVE, 70 + months_back / 10),
            (CLAIMS, REDDITCH, 54000 + months_back * 100),
            (DAYS, BROMSGROVE, 30 + months_back),
        ):
            cursor.execute(
                "insert into marts.fct_measure_values values "
                "(%s, %s, %s, %s, 'council', %s, null, null, %s, 'final', now()), "
                "(%s, %s, %s, %s, 'ward', 'E05000001', null, null, 1, 'final', now())",
                [measure_id, council, start, end, council, value]
                + [measure_id, council, start, end],
            )
        cursor.execute(
            "insert into analysis.measure_spc values (%s, %s, %s, %s, 1, false, 54000, "
            "60000, 48000, 58000, 50000, '', '', 'common')",
            [CLAIMS, REDDITCH, start, 54000 + months_back * 100],
        )
    # The derived measure's figure for the period commented on.
    cursor.execute(
        "insert into marts.fct_measure_values values "
        "(%s, %s, %s, %s, 'council', %s, null, null, 41.5, 'provisional', now())",
        [DAYS, BROMSGROVE, due_month, add_months(due_month, 1), BROMSGROVE],
    )
    cursor.execute(
        "update marts.dim_measures set target = 75, target_basis = 'council plan', "
        "target_source = 'Council Plan 2024 to 2028', target_set_by = 'Cabinet', "
        "target_set_on = '2024-04-01', numerator_definition = 'Households whose "
        "homelessness was prevented', denominator_definition = 'Households owed the "
        "prevention duty' where measure_id = %s",
        [PCT],
    )
    cursor.execute(
        "update marts.dim_measures set no_target_reason = 'Demand-led: the council "
        "does not control how many claims arrive.' where measure_id = %s",
        [CLAIMS],
    )
    for area_code, area_name, value, rank in (
        (BROMSGROVE, "Bromsgrove", 61.5, 2),
        ("E07000235", "Malvern Hills", 64.0, 1),
        (REDDITCH, "Redditch", 55.0, 3),
    ):
        cursor.execute(
            "insert into marts.fct_neighbour_comparison values ('homelessness_prevention_duty', "
            "'Homelessness prevention duty ended successfully', 'raw_reference.hclic', "
            "'percent', 'higher', 1, '2025-04-01', '2026-03-31', '2025-26', %s, %s, true, %s, "
            "null, null, null, %s, 3, 'highest first', true)",
            [area_code, area_name, value, rank],
        )


def drop_entry_marts(cursor) -> None:
    """Undo seed_entry_marts where no transaction does (the browser tests commit)."""
    for table in TABLES:
        cursor.execute(f"drop table if exists {table}")
    cursor.execute(
        "update marts.dim_measures set target = null, target_basis = null, "
        "target_source = null, target_set_by = null, target_set_on = null, "
        "numerator_definition = null, denominator_definition = null, no_target_reason = null"
    )


@pytest.fixture(scope="session")
def officer_stylesheet():
    """The app's compiled GOV.UK Frontend stylesheet, as `bdc web` builds it at start."""
    from webapp.officer import stylesheet

    return stylesheet.build()


VNU_JAR = environment.REPO_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu_command() -> list[str]:
    """The Nu HTML Checker: the vnu-jar npm package `make setup` installs (package.json), run
    with the system's Java; BDC_VNU_JAR names another copy."""
    jar = Path(os.environ.get("BDC_VNU_JAR") or VNU_JAR)
    java = shutil.which("java")
    assert jar.exists(), f"{jar} is missing: run `make setup` (npm installs vnu-jar)"
    assert java, "Java is needed to run the Nu HTML Checker (Debian: default-jre-headless)"
    return [java, "-Xss4m", "-jar", str(jar)]


def nu_errors(pages: dict[str, str], folder: Path) -> list[str]:
    """The Nu HTML Checker's errors for each page's HTML source ({name: html})."""
    command = vnu_command()
    files = []
    for number, (name, html) in enumerate(pages.items()):
        path = folder / f"page-{number}.html"
        path.write_text(html, encoding="utf-8")
        files.append((name, path))
    result = subprocess.run(
        [*command, "--format", "json", "--exit-zero-always", *[str(p) for _, p in files]],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    names = {str(p.resolve()): name for name, p in files}
    problems = []
    for message in json.loads(result.stderr or result.stdout)["messages"]:
        if message.get("type") != "error":
            continue
        where = names.get(message.get("url", "").removeprefix("file:"), message.get("url"))
        problems.append(f"{where}: {message.get('message')} ({message.get('extract', '')!r})")
    return problems


def axe_violations(page) -> list[str]:
    # Evaluated through the browser's developer protocol: the app's Content-Security-Policy
    # refuses injected <script> tags, as it should.
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(AXE_RUN, WCAG_TAGS)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:160]})"
        for v in result["violations"]
    ]
