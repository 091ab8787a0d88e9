"""Member reports end to end against a real PostgreSQL with small fixture tables of the contract
(docs/tables.md): PDFs carry the focus measures, commentary and icons; a page is not blank;
issuing freezes byte-identical packs; the gate's refusal leaves the last good version."""

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from orchestration.commands.report import report
from orchestration.lib import demonstration, spc
from orchestration.lib.reporting import build, freeze, publication, render
from orchestration.lib.spc import charts
from tests.support.marts import DIM_MEASURES_SQL

pytestmark = pytest.mark.integration

MONTHS = [dt.date(2024 + (3 + i) // 12, (3 + i) % 12 + 1, 1) for i in range(24)]  # Apr 24-Mar 26
MEASURES = [
    # measure_id, council, name, kind, purpose, portfolio, polarity, unit, is_key, target, values
    ("ena_failure_demand_share", "E07000234", "Failure demand share of contacts", "strategic",
     "enabling",
     "Finance and Enabling", "lower", "percent", True, None,
     [40, 41, 39, 40, 42, 41, 40, 39, 41, 40, 42, 40,
      41, 40, 46, 47, 48, 47, 49, 48, 47, 49, 48, 50]),
    ("hou_e2e_housing_register_median", "E07000234", "Housing register application end-to-end days",
     "strategic", "home", "Housing and Health", "lower", "days", False, 30.0,
     [60, 58, 62, 59, 61, 60, 57, 58, 55, 54, 52, 50,
      48, 47, 45, 44, 42, 41, 40, 39, 38, 36, 35, 34]),
    ("safe_fly_tipping_incidents", "E07000234", "Fly-tipping incidents", "strategic", "safe_place",
     "Environment", "lower", "count", True, None,
     [80, 82, 79, 81, 80, 83, 78, 80, 82, 81, 79, 80,
      81, 82, 80, 79, 81, 80, 82, 81, 80, 79, 81, 80]),
    ("ena_failure_demand_share", "E07000236", "Failure demand share of contacts", "strategic",
     "enabling",
     "Finance and Enabling", "lower", "percent", True, None,
     [30, 31, 29, 30, 32, 31, 30, 29, 31, 30, 32, 30,
      31, 30, 29, 30, 31, 30, 29, 31, 30, 29, 31, 30]),
]  # fmt: skip
PLACES = {"E07000234": "Bromsgrove", "E07000236": "Redditch"}
# Quality evidence as the checks write it: table names and source codes that members never see.
LATE = (
    "crm_contacts: data for February 2026 arrived late (05 April 2026; due by 06 March 2026) | "
    "marts.fct_measure_values: The latest period has at least 80% as many figures as the one "
    "before. Unexpected: 1."
)
CARRIED = "We are trialling a plainer first letter from December and will report in March."
COMMENT = "Chasing calls rose after the new bin rounds; we are redesigning the round letters."
DDL = f"""
create table marts.dim_purposes (purpose_code text, purpose_name text, director text,
  description text, sort_order int);
{DIM_MEASURES_SQL}
create table marts.fct_measure_values (measure_id text, council_code text, period_start date,
  period_end date, geography_type text, geography_code text, numerator numeric,
  denominator numeric, value numeric, status text, loaded_at timestamptz default now());
create table marts.measure_quality (measure_id text, council_code text, period_start date,
  criterion text, status text, evidence text, checked_at timestamptz default now());
create table analysis.measure_spc (measure_id text, council_code text, period_start date,
  value numeric, partition int, ghost bool, mean numeric, upl numeric, lpl numeric,
  upper_two_sigma numeric, lower_two_sigma numeric, rules_high text, rules_low text,
  point_type text);
create table analysis.measure_icons (measure_id text, council_code text, variation_icon text,
  assurance_icon text, spc_shown bool, n int, latest_period_start date, latest_value numeric,
  previous_value numeric, warnings text, text_alternative text, chart_svg text);
create table analysis.trials (trial_id text, title text, hypothesis text, service text,
  locality text, council_code text, start_date date, end_date date, measure_ids text[],
  owner text);
create table analysis.trial_verdicts (trial_id text, measure_id text, verdict text,
  sustained bool, evidence text, computed_at timestamptz default now());
create table input.commentary (measure_id text, council_code text, period_start date,
  what_data_shows text, what_we_are_doing text, author text, status text, confirmed_by text,
  confirmed_at timestamptz, return_reason text, updated_at timestamptz, is_public bool,
  signed_off_by text, signed_off_at timestamptz);
create table input.cmt_focus (cabinet_date date, measure_id text, council_code text,
  added_by text, added_at timestamptz, reason text);
"""


def built(args: list[str], runner: CliRunner | None = None) -> None:
    """Build a pack; a failure shows the command's own words."""
    result = (runner or CliRunner()).invoke(report, args)
    assert result.exit_code == 0, result.output


def _month_end(start: dt.date) -> dt.date:
    return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def load_fixture(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(DDL)
        conn.execute(
            "insert into marts.dim_purposes values "
            "('home', 'Help me to find somewhere to live in my locality', 'D1', '', 1),"
            "('safe_place', 'Keep my place safe and looking good', 'D2', '', 6),"
            "('enabling', 'Enable others to work to purpose', 'D3', '', 7)"
        )
        for (
            mid,
            council,
            name,
            kind,
            purpose,
            portfolio,
            polarity,
            unit,
            key,
            target,
            values,
        ) in MEASURES:
            conn.execute(
                "insert into marts.dim_measures (measure_id, council_code, name, kind, "
                "purpose_code, owner, manager, director, portfolio, portfolio_holder, definition, "
                "unit, polarity, frequency, target, is_key, spc_profile) values "
                "(%s,%s,%s,%s,%s,'A. Officer','B. Manager','C. Director',%s,%s,"
                "'Plain definition',%s,%s,'monthly',%s,%s,'mdc')",
                (
                    mid,
                    council,
                    name,
                    kind,
                    purpose,
                    portfolio,
                    f"Portfolio Holder for {portfolio} ({PLACES[council]})",
                    unit,
                    polarity,
                    target,
                    key,
                ),  # fmt: skip
            )
            for month, value in zip(MONTHS, values, strict=True):
                conn.execute(
                    "insert into marts.fct_measure_values values "
                    "(%s,%s,%s,%s,'council',%s,null,null,%s,'final')",
                    (mid, council, month, _month_end(month), council, value),
                )
            improvement = {"lower": "decrease", "higher": "increase"}[polarity]
            result = spc.xmr(values, improvement=improvement, target=target)
            unit_text = "%" if unit == "percent" else ""
            conn.execute(
                "insert into analysis.measure_icons values (%s,%s,%s,%s,%s,%s,%s,%s,%s,'',%s,%s)",
                (mid, council, result["variation_icon"], result["assurance_icon"],
                 result["spc_shown"], len(values), MONTHS[-1], values[-1], values[-2],
                 charts.describe(result, name, unit_text, MONTHS, improvement),
                 charts.render_svg(result, name, unit_text, MONTHS, improvement)),
            )  # fmt: skip
            for month, point in zip(MONTHS, result["points"], strict=True):
                conn.execute(
                    "insert into analysis.measure_spc (measure_id, council_code, period_start, "
                    "value, point_type) values (%s,%s,%s,%s,%s)",
                    (mid, council, month, point["value"], point["point_type"]),
                )
            for criterion in ("relevant", "well_defined", "timely", "reliable"):
                status = (
                    "warn" if (mid, criterion) == ("ena_failure_demand_share", "timely") else "pass"
                )
                for month in (MONTHS[-1], MONTHS[-2]):
                    conn.execute(
                        "insert into marts.measure_quality values (%s,%s,%s,%s,%s,%s)",
                        (mid, council, month, criterion, status,
                         LATE if status == "warn" else "All checks passed."),
                    )  # fmt: skip
        conn.execute(
            "insert into input.commentary values ('ena_failure_demand_share','E07000234',%s,%s,"
            "'=HYPERLINK(\"x\") Redesign the letters','Sam Officer','signed_off','Pat Manager',"
            "'2026-03-05 10:00+00',null,'2026-03-05 10:00+00',false,'Dee Director',"
            "'2026-03-06 09:00+00')",
            (MONTHS[-2], COMMENT),
        )
        # Last quarter's action (signed off for November 2025): carried forward in O&S Q4.
        conn.execute(
            "insert into input.commentary values ('ena_failure_demand_share','E07000234',%s,"
            "'Failure demand rose again.',%s,'Sam Officer','signed_off','Pat Manager',"
            "'2025-12-05 10:00+00',null,'2025-12-05 10:00+00',false,'Dee Director',"
            "'2025-12-06 09:00+00')",
            (MONTHS[-5], CARRIED),
        )
        conn.execute(
            "insert into input.commentary values ('hou_e2e_housing_register_median','E07000234',"
            "%s,'Steady improvement since the triage change.','Keep going.','Jo Officer',"
            "'submitted',null,null,null,'2026-03-06 10:00+00',false),"
            "('safe_fly_tipping_incidents','E07000234',%s,'A draft nobody should see.','x',"
            "'Al Officer','draft',null,null,null,'2026-03-06 10:00+00',false)",
            (MONTHS[-2], MONTHS[-2]),
        )
        conn.execute(
            "insert into input.cmt_focus values ('2026-03-15','safe_fly_tipping_incidents',"
            "'E07000234','Policy Team','2026-02-20 09:00+00','Members asked about fly-tipping.')"
        )
        conn.execute(
            "insert into analysis.trials values ('T1','Triage at first contact','h','Housing',"
            "null,'E07000234','2025-06-01',null,array['hou_e2e_housing_register_median'],'Jo'),"
            "('T2','Fly-tip reports by photo','h','Environment',null,'E07000234','2026-02-01',"
            "null,array['safe_fly_tipping_incidents'],'Al')"
        )
        conn.execute(
            "insert into analysis.trial_verdicts values ('T1','hou_e2e_housing_register_median',"
            "'improvement',true,'8 months below the average'),"
            "('T1','case_e2e:housing:register_application','improvement',true,"
            "'baseline 2024-04-01 to 2025-05-01: average 58.1, limits 50 to 66; 10 points since "
            "2025-06-01, average 41.2 (rules: shift, two_of_three)')"
        )


@pytest.fixture
def reports_db(activated, workspace, monkeypatch):
    load_fixture(activated)
    monkeypatch.setattr(
        publication, "check", lambda url, kind, period_end, today=None: publication.Decision(True)
    )
    return activated


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_cabinet_pdf_has_focus_measures_commentary_and_icons(reports_db, workspace):
    result = CliRunner().invoke(report, ["cabinet", "--period", "2026-03"])
    assert result.exit_code == 0, result.output
    folder = workspace["output"] / "reports" / "cabinet" / "2026-03"
    bromsgrove = folder / "cabinet-2026-03-bromsgrove.pdf"
    assert bromsgrove.exists() and (folder / "cabinet-2026-03-redditch.pdf").exists()
    text = " ".join(pdf_text(bromsgrove).split())
    # Focus: two seed measures that exist plus the officer app's row for this meeting.
    focus_part = text.split("CMT focus measures")[-1]
    for name in ("Failure demand share of contacts", "Housing register application end-to-end"):
        assert name in focus_part
    assert "Members asked about fly-tipping" in text
    assert "Chasing calls rose after the new bin rounds" in text
    assert "Confirmed by Pat Manager on 5 March 2026. Signed off by Dee Director on 6 March" in text
    # Only signed-off commentary reaches members: never a submission, and never a status.
    assert "Steady improvement since the triage change" not in text
    assert "Not yet confirmed" not in text and "status:" not in text
    assert "A draft nobody should see" not in text
    assert "Special cause concern (high)" in text  # failure demand shifted up (lower is better)
    assert "Passes all six data-quality criteria" not in text.split("Failure demand")[1][:300]
    assert "Warning on at least one data-quality criterion" in text
    # A focus measure the (test) warehouse lacks is counted in words, never named by its id.
    assert "have no figures in the warehouse yet" in text
    assert "fin_e2e_benefit_new_claim" not in text


def test_exceptions_come_from_spc_signals(reports_db, workspace):
    CliRunner().invoke(report, ["cabinet", "--period", "2026-03"])
    page = (
        workspace["output"] / "reports/cabinet/2026-03/cabinet-2026-03-bromsgrove.html"
    ).read_text()
    exceptions = page.split('id="exceptions"')[1].split("<h3")[0]
    assert "Failure demand share of contacts" in exceptions
    assert "Fly-tipping incidents" not in exceptions  # common cause, no target: no exception
    assert 'lang="en-GB"' in page and '<th scope="col">' in page
    assert page.count("<figcaption>") == page.count("<svg xmlns") - page.count("aria-hidden")


def test_pdf_page_renders_to_a_non_blank_png(reports_db, workspace, tmp_path):
    if not shutil.which("pdftoppm"):
        pytest.fail("pdftoppm is missing: apt-get install -y poppler-utils")
    CliRunner().invoke(report, ["cabinet", "--period", "2026-03"])
    pdf = workspace["output"] / "reports/cabinet/2026-03/cabinet-2026-03-bromsgrove.pdf"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "2", "-l", "2", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    from PIL import Image

    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    histogram = image.histogram()
    dark = sum(histogram[:128])
    assert dark > 0.005 * image.width * image.height  # text and chart ink on the page
    assert len([h for h in histogram if h]) > 20  # more than a flat fill


def test_portfolio_briefings_one_per_portfolio(reports_db, workspace):
    result = CliRunner().invoke(report, ["portfolio", "--period", "2026-03"])
    assert result.exit_code == 0, result.output
    folder = workspace["output"] / "reports" / "portfolio" / "2026-03"
    pdfs = sorted(p.name for p in folder.glob("*.pdf"))
    assert pdfs == [
        "portfolio-2026-03-bromsgrove-environment.pdf",
        "portfolio-2026-03-bromsgrove-finance-and-enabling.pdf",
        "portfolio-2026-03-bromsgrove-housing-and-health.pdf",
        "portfolio-2026-03-redditch-finance-and-enabling.pdf",
    ]
    housing = pdf_text(folder / "portfolio-2026-03-bromsgrove-housing-and-health.pdf")
    assert "Housing register application" in housing and "Fly-tipping" not in housing
    for pdf in pdfs:
        assert (folder / pdf.replace(".pdf", ".html")).exists()
        assert (folder / pdf.replace(".pdf", ".csv")).exists()


def test_scrutiny_has_purposes_trials_and_quality(reports_db, workspace):
    result = CliRunner().invoke(report, ["scrutiny", "--period", "2025-26-Q4"])
    assert result.exit_code == 0, result.output
    pdf = workspace["output"] / "reports/scrutiny/2025-26-Q4/scrutiny-2025-26-Q4-bromsgrove.pdf"
    text = " ".join(pdf_text(pdf).split())
    assert "Quarter 4 2025/26" in text
    assert "Triage at first contact" in text
    assert (
        "Improved: the figures since the trial began are better than before it, and the "
        "change is still holding (average 58.1 before the trial, 41.2 since)." in text
    )
    assert "End-to-end days of housing cases: register application" in text
    assert "Fly-tip reports by photo" in text and "No verdict yet" in text
    assert "Keep my place safe and looking good" in text
    assert "Data quality" in text


def test_figures_csv_has_every_plotted_value_as_a_number(reports_db, workspace):
    CliRunner().invoke(report, ["cabinet", "--period", "2026-03"])
    folder = workspace["output"] / "reports/cabinet/2026-03"
    rows = list(
        csv.DictReader(io.StringIO((folder / "cabinet-2026-03-bromsgrove.csv").read_text()))
    )
    failure = [r for r in rows if r["measure_id"] == "ena_failure_demand_share"]
    # The cycle reports to February 2026: 23 months of history, nothing after the period.
    assert len(failure) == 23 and failure[-1]["period_start"] == "2026-02-01"
    assert float(failure[-1]["value"]) == MEASURES[0][-1][-2]
    assert {r["council_code"] for r in rows} == {"E07000234"}


def _hashes(folder):
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()
    }


def test_issue_freezes_and_regenerates_identical_bytes(reports_db, workspace):
    runner = CliRunner()
    first = runner.invoke(report, ["cabinet", "--period", "2026-03", "--issue"])
    assert first.exit_code == 0, first.output
    issued = freeze.issued_dir("cabinet", "2026-03")
    manifest = json.loads((issued / "manifest.json").read_text())
    assert set(manifest["files"]) == {
        f"cabinet-2026-03-{c}.{ext}"
        for c in ("bromsgrove", "redditch")
        for ext in ("html", "pdf", "csv")
    }
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((issued / name).read_bytes()).hexdigest() == digest
    snapshot_values = (issued / "snapshot" / "values.csv").read_text()
    assert "ena_failure_demand_share,E07000234,2026-02-01,2026-02-28,48,final" in snapshot_values
    # Text that a spreadsheet would run as a formula is guarded in the snapshot CSV.
    commentary = (issued / "snapshot" / "commentary.csv").read_text()
    assert "'=HYPERLINK" in commentary and ",=HYPERLINK" not in commentary
    before = _hashes(freeze.pack_dir("cabinet", "2026-03"))

    # Data changes after issue: the issued period still regenerates byte-identical.
    with psycopg.connect(reports_db, autocommit=True) as conn:
        conn.execute(
            "update marts.fct_measure_values set value = 44 "
            "where measure_id = 'ena_failure_demand_share' "
            "and council_code = 'E07000234' and period_start = '2026-01-01'"
        )
        conn.execute("update input.commentary set what_data_shows = 'rewritten later'")
        rows = conn.execute("select kind, period_key, content_sha256 from audit.report_issues")
        assert rows.fetchall() == [("cabinet", "2026-03", manifest["content_sha256"])]
    second = runner.invoke(report, ["cabinet", "--period", "2026-03"])
    assert second.exit_code == 0, second.output
    assert "byte-identical" in second.output
    assert _hashes(freeze.pack_dir("cabinet", "2026-03")) == before

    again = runner.invoke(report, ["cabinet", "--period", "2026-03", "--issue"])
    assert again.exit_code != 0 and "already issued" in again.output

    # The next pack shows the revision instead of silently rewriting history.
    nxt = runner.invoke(report, ["cabinet", "--period", "2026-05"])
    assert nxt.exit_code == 0, nxt.output
    text = " ".join(
        pdf_text(freeze.pack_dir("cabinet", "2026-05") / "cabinet-2026-05-bromsgrove.pdf").split()
    )
    assert "Revised since Cabinet March 2026" in text
    january = MEASURES[0][-1][MONTHS.index(dt.date(2026, 1, 1))]
    assert f"January 2026 was {january}%, now 44%" in text


def test_same_period_issued_in_two_places_is_byte_identical(reports_db, workspace, monkeypatch):
    result = build.build(reports_db, "scrutiny", "2025-26-Q4", issue=True)
    first = {name: content for name, content in result.files.items()}
    monkeypatch.setenv("BDC_OUTPUT_DIR", str(workspace["output"].parent / "elsewhere"))
    with psycopg.connect(reports_db, autocommit=True) as conn:
        conn.execute("delete from audit.report_issues")
    second = build.build(reports_db, "scrutiny", "2025-26-Q4", issue=True)
    assert second.files.keys() == first.keys()
    assert all(second.files[name] == first[name] for name in first)
    assert second.manifest["content_sha256"] == result.manifest["content_sha256"]


def test_gate_refusal_keeps_the_last_good_version(reports_db, workspace, monkeypatch):
    runner = CliRunner()
    built(["cabinet", "--period", "2026-03"], runner)
    folder = freeze.pack_dir("cabinet", "2026-03")
    before = _hashes(folder)
    with psycopg.connect(reports_db, autocommit=True) as conn:
        conn.execute("update marts.fct_measure_values set value = value + 1")
    monkeypatch.setattr(
        publication,
        "check",
        lambda url, kind, period_end, today=None: publication.Decision(
            False, ["accurate: ERROR on ENA"]
        ),
    )
    refused = runner.invoke(report, ["cabinet", "--period", "2026-03"])
    assert refused.exit_code != 0
    assert "refused" in refused.output and "accurate: ERROR on ENA" in refused.output
    assert "Traceback" not in refused.output
    assert _hashes(folder) == before


def test_default_period_comes_from_the_calendar_and_the_date(reports_db, workspace):
    # The fixture's data run to March 2026 whatever the date: the period follows the calendar.
    runner = CliRunner()
    for today, key in (("2026-05-12", "2025-26-Q3"), ("2026-05-13", "2025-26-Q4")):
        result = runner.invoke(report, ["scrutiny", "--today", today])
        assert result.exit_code == 0, result.output
        assert f"Scrutiny {key}:" in result.output
    assert {p.name for p in (workspace["output"] / "reports/scrutiny").iterdir()} == {
        "2025-26-Q3",
        "2025-26-Q4",
    }


# The real gate over a warehouse whose every scheduled source has loaded its batches up to March
# 2026, on 20 April 2026 (Europe/London): Cabinet's current cycle is March's (January-February;
# May's, on March-April, is not produced until 8 May); March's data were due by 9 April (5th
# working day, after Easter), 16 April (10th) or 23 April (15th) depending on the source.
ON_20_APRIL = "2026-04-20"
EARLY_APRIL = dt.date(2026, 4, 1)


def _record_loads(url: str, upto: dt.date = MONTHS[-1]) -> list[str]:
    """A loaded monthly batch of every scheduled source for each fixture month up to `upto`."""
    from orchestration.lib import contracts
    from orchestration.lib.quality import freshness

    sources = [c.source for c in contracts.all_contracts().values() if freshness.has_rule(c)]
    with psycopg.connect(url) as conn:
        for source in sources:
            for month in (m for m in MONTHS if m <= upto):
                conn.execute(
                    "insert into audit.loads (batch_id, source, file_name, file_checksum, "
                    "file_bytes, period_start, period_end, rows_read, rows_loaded, outcome, "
                    "finished_at) values (gen_random_uuid(), %s, %s, md5(%s), 100, %s, %s, 10, "
                    "10, 'loaded', now())",
                    (source, f"{source}_{month:%Y_%m}.csv", f"{source}{month}", month,
                     _month_end(month)),
                )  # fmt: skip
    return sources


def _early_rows(url: str) -> None:
    """One source delivered a few rows for the first days of April: a batch covering 1-3 April
    and April figures for one measure of one council."""
    with psycopg.connect(url) as conn:
        conn.execute(
            "insert into audit.loads (batch_id, source, file_name, file_checksum, file_bytes, "
            "period_start, period_end, rows_read, rows_loaded, outcome, finished_at) values "
            "(gen_random_uuid(), 'crm_contacts', 'crm_contacts_2026_04_early.csv', md5('early'), "
            "100, '2026-04-01', '2026-04-03', 4, 4, 'loaded', now())"
        )
        conn.execute(
            "insert into marts.fct_measure_values values "
            "('ena_failure_demand_share', 'E07000234', %s, %s, 'council', 'E07000234', 3, 4, 75, "
            "'provisional')",
            (EARLY_APRIL, _month_end(EARLY_APRIL)),
        )


@pytest.fixture
def gated_db(activated, workspace):
    """The fixture tables with the real publication gate (no stand-in decision)."""
    load_fixture(activated)
    _record_loads(activated)
    return activated


def _decisions(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select output, period_end, allowed, reasons from audit.gate_decisions "
            "order by decision_id"
        ).fetchall()


def test_early_rows_for_a_later_month_neither_move_the_period_nor_close_the_gate(
    gated_db, workspace
):
    _early_rows(gated_db)
    runner = CliRunner()
    for kind in ("cabinet", "portfolio"):
        result = runner.invoke(report, [kind, "--today", ON_20_APRIL])
        assert result.exit_code == 0, result.output
        assert f"{kind.capitalize()} 2026-03:" in result.output
        assert not freeze.pack_dir(kind, "2026-05").exists()
    # The real gate judged the cycle's own end, February, and let it through.
    assert [d[:3] for d in _decisions(gated_db)] == [
        ("report:cabinet", dt.date(2026, 2, 28), True),
        ("report:portfolio", dt.date(2026, 2, 28), True),
    ]
    figures = (freeze.pack_dir("cabinet", "2026-03") / "cabinet-2026-03-bromsgrove.csv").read_text()
    assert "2026-02-01" in figures and "2026-04-01" not in figures and "2026-03-01" not in figures


def test_a_period_not_due_yet_is_not_stale(gated_db, workspace):
    # May's cycle (March-April) named early: April is not due from any source yet, so nothing is
    # stale; the gate checks the latest due month of each source and says what is still to come.
    result = CliRunner().invoke(report, ["cabinet", "--period", "2026-05", "--today", ON_20_APRIL])
    assert result.exit_code == 0, result.output
    assert "crm_contacts: data for April 2026 are not due until 08 May 2026" in result.output
    assert "has not been loaded" not in result.output


def test_overdue_data_for_the_period_still_close_the_gate(gated_db, workspace):
    with psycopg.connect(gated_db) as conn:
        conn.execute(
            "delete from audit.loads where source = 'service_cases' and period_start = %s",
            (dt.date(2026, 2, 1),),
        )
    _early_rows(gated_db)
    result = CliRunner().invoke(report, ["cabinet", "--today", ON_20_APRIL])
    assert result.exit_code != 0
    assert "service_cases: data for February 2026 has not been loaded" in result.output
    assert "due by 06 March 2026" in result.output
    assert not freeze.pack_dir("cabinet", "2026-03").exists()
    ((output, period_end, allowed, reasons),) = _decisions(gated_db)
    assert (output, period_end, allowed) == ("report:cabinet", dt.date(2026, 2, 28), False)
    assert len(reasons) == 1 and "service_cases" in reasons[0]


PACKS = [("cabinet", "2026-03"), ("portfolio", "2026-03"), ("scrutiny", "2025-26-Q4")]


def pdf_pages(path) -> list[str]:
    """The text of each page of a PDF, whitespace collapsed."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]


def _build_packs(runner) -> list:
    """Every kind of pack for one period each; the PDFs written."""
    pdfs = []
    for kind, period in PACKS:
        result = runner.invoke(report, [kind, "--period", period])
        assert result.exit_code == 0, result.output
        pdfs += sorted(freeze.pack_dir(kind, period).glob("*.pdf"))
    assert len(pdfs) == 2 + 4 + 2
    return pdfs


def test_demonstration_data_is_labelled_on_every_pdf_page_html_and_csv(reports_db, workspace):
    demonstration.mark(reports_db)
    pages = 0
    for pdf in _build_packs(CliRunner()):
        texts = pdf_pages(pdf)
        for number, text in enumerate(texts, start=1):
            assert demonstration.LABEL in text, f"{pdf.name}, page {number} of {len(texts)}"
        pages += len(texts)
        assert "(demonstration data)" in PdfReader(pdf).metadata.title
        html = pdf.with_suffix(".html").read_text()
        body = html.split("<body>", 1)[1]
        assert body.index(demonstration.LABEL) < body.index("<h1"), pdf.name
        with pdf.with_suffix(".csv").open(newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == [*render.FIGURE_COLUMNS, demonstration.CSV_COLUMN]
        assert len(rows) > 1 and all(row[-1] == demonstration.LABEL for row in rows[1:])
    assert pages > 8  # the label is on the pages after the first, not only in the banner


def test_real_data_packs_carry_no_demonstration_label(reports_db, workspace):
    pages = 0
    for pdf in _build_packs(CliRunner()):
        texts = pdf_pages(pdf)
        assert all(text for text in texts)  # the pages' text is there to search
        for number, text in enumerate(texts, start=1):
            assert "emonstration" not in text, f"{pdf.name}, page {number}"
        pages += len(texts)
        html = pdf.with_suffix(".html").read_text()
        assert demonstration.LABEL not in html and 'class="demonstration"' not in html
        assert "(demonstration data)" not in html and "@top-center { content" not in html
        header = pdf.with_suffix(".csv").read_text().splitlines()[0]
        assert header.split(",") == render.FIGURE_COLUMNS
    assert pages > 8


def test_issued_demonstration_pack_keeps_its_label_when_the_mark_goes(reports_db, workspace):
    """The label is frozen with the issued rows: the pack regenerates byte-identical."""
    runner = CliRunner()
    demonstration.mark(reports_db)
    issued = runner.invoke(report, ["cabinet", "--period", "2026-03", "--issue"])
    assert issued.exit_code == 0, issued.output
    folder = freeze.pack_dir("cabinet", "2026-03")
    before = _hashes(folder)
    demonstration.clear(reports_db)
    again = runner.invoke(report, ["cabinet", "--period", "2026-03"])
    assert again.exit_code == 0 and "byte-identical" in again.output, again.output
    assert _hashes(folder) == before
    assert all(demonstration.LABEL in t for t in pdf_pages(next(folder.glob("*.pdf"))))
    # A new period is built from the warehouse as it is now: real data, no label.
    later = runner.invoke(report, ["cabinet", "--period", "2026-05"])
    assert later.exit_code == 0, later.output
    for pdf in freeze.pack_dir("cabinet", "2026-05").glob("*.pdf"):
        assert not any(demonstration.LABEL in t for t in pdf_pages(pdf)), pdf.name


# Internal codes members must never read: council codes, table and schema names, file names,
# snake_case identifiers (measure ids, criteria, sources) and the registry's bracketed council.
INTERNAL = re.compile(
    r"\bE0[6-9]\d{6}\b|\b(?:marts|analysis|input|audit|staging|raw)\.[a-z_]+"
    r"|\bdim_[a-z_]+|\bfct_[a-z_]+|\b[\w-]+\.(?:ya?ml|csv|sql|py|json)\b"
    r"|\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|\((?:Bromsgrove|Redditch)\)"
)


def visible_html_text(html: str) -> str:
    """The words of an HTML page a reader sees (and a screen reader reads): no tags, styles or
    attribute values (ids and anchors are not read)."""
    body = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", body))


def test_no_internal_codes_in_any_pack(reports_db, workspace):
    demonstration.mark(reports_db)
    found = []
    for pdf in _build_packs(CliRunner()):
        texts = {
            "pdf": pdf_text(pdf),
            "html": visible_html_text(pdf.with_suffix(".html").read_text()),
        }
        with pdf.with_suffix(".csv").open(newline="") as handle:
            # the human columns: the measure's name and the label (codes are key columns)
            texts["csv"] = " ".join(
                f"{row['measure']} {row.get(demonstration.CSV_COLUMN, '')}"
                for row in csv.DictReader(handle)
            )
        for where, text in texts.items():
            found += [(pdf.stem, where, hit) for hit in INTERNAL.findall(text)]
            found += [(pdf.stem, where, m[0]) for m in MEASURES if m[0] in text]
    assert not found, found[:20]


def test_the_code_scan_can_fail():
    for text in ("E07000234", "from marts.dim_measures", "see cmt_focus.yml", "well_defined",
                 "Portfolio Holder for Housing (Redditch)"):  # fmt: skip
        assert INTERNAL.search(text), text
    for text in ("Bromsgrove District Council", "Data quality: warning", "end-to-end days"):
        assert not INTERNAL.search(text), text


def test_cabinet_first_page_is_the_headline(reports_db, workspace):
    built(["cabinet", "--period", "2026-03"])
    folder = freeze.pack_dir("cabinet", "2026-03")
    pages = pdf_pages(folder / "cabinet-2026-03-bromsgrove.pdf")
    first = pages[0]
    assert "The headlines" in first
    assert "Counts are of the 3 measures in this report" in first
    assert "1 measure: Special cause concern (high) (letter H)" in first
    assert "1 measure: Common cause variation (letter C)" in first
    assert "1 measure: Target consistently missed (letter F)" in first
    # the exception in one line: name, latest value and period, the signal, the commentary
    assert (
        "Failure demand share of contacts: 48% in February 2026. Recent figures are higher than "
        "the usual range, and higher is worse. Commentary for February 2026: " + COMMENT
    ) in first
    # no signed-off commentary (a submission and a draft only) for these two
    awaiting = first.split("Awaiting signed-off commentary")[1].split("CMT's focus")[0]
    assert "2 of the 3 measures in this report have no signed-off commentary" in awaiting
    assert "Housing register application" in awaiting and "Fly-tipping incidents" in awaiting
    focus = first.split("CMT's focus")[1]
    assert "Fly-tipping incidents: Members asked about fly-tipping." in focus
    # then the focus measures, grouped under their purpose, from page 2
    rest = " ".join(pages[1:])
    assert "CMT focus measures" not in first and "CMT focus measures" in rest
    groups = rest.split("CMT focus measures")[1]
    assert groups.index("Help me to find somewhere to live in my locality") < groups.index(
        "Housing register application end-to-end days"
    )
    # Redditch has no exception: "none" says which set it is about
    redditch = pdf_pages(folder / "cabinet-2026-03-redditch.pdf")[0]
    assert (
        "No measure shows special-cause concern or a consistently missed target: none of the "
        "one measure in this report." in redditch
    )


def test_each_measure_shows_last_year_quality_reasons_and_holder_title(reports_db, workspace):
    runner = CliRunner()
    built(["cabinet", "--period", "2026-03"], runner)
    text = " ".join(
        pdf_text(freeze.pack_dir("cabinet", "2026-03") / "cabinet-2026-03-bromsgrove.pdf").split()
    )
    february_2025 = MEASURES[0][-1][MONTHS.index(dt.date(2025, 2, 1))]
    assert f"Same period last year {february_2025}% in February 2025" in text
    assert (
        "Timely: warning (this criterion checks whether the data arrived when they were due)"
        in text
    )
    assert "Contacts data arrived late (February 2026)" in text or "data arrived late" in text
    assert "(1 exception(s) found)" in text
    built(["portfolio", "--period", "2026-03"], runner)
    briefing = " ".join(
        pdf_text(
            freeze.pack_dir("portfolio", "2026-03")
            / "portfolio-2026-03-bromsgrove-finance-and-enabling.pdf"
        ).split()
    )
    assert "Portfolio Holder Portfolio Holder for Finance and Enabling" in briefing


def test_portfolio_briefings_are_short_with_exceptions_first(reports_db, workspace):
    built(["portfolio", "--period", "2026-03"])
    folder = freeze.pack_dir("portfolio", "2026-03")
    for pdf in folder.glob("*.pdf"):
        assert len(PdfReader(pdf).pages) <= 8, pdf.name
    text = " ".join(
        pdf_text(folder / "portfolio-2026-03-bromsgrove-finance-and-enabling.pdf").split()
    )
    full = text.split("Exceptions in full")[1]
    assert full.index("Failure demand share of contacts") < full.index(
        "Strategic measures with no signal of concern"
    )


def test_scrutiny_carries_actions_forward_and_suggests_enquiries(reports_db, workspace):
    built(["scrutiny", "--period", "2025-26-Q4"])
    pdf = freeze.pack_dir("scrutiny", "2025-26-Q4") / "scrutiny-2025-26-Q4-bromsgrove.pdf"
    text = " ".join(pdf_text(pdf).split())
    section = text.split("Exceptions: actions and lines of enquiry")[1].split("Trials and")[0]
    assert f"Carried forward from last quarter: {CARRIED}" in section
    assert re.search(
        r"What changed in the service around \w+ 20\d\d when the run above average began\?",
        section,
    ), section
    assert "Was last quarter's action done, and what difference has it made?" in section
    # one section per purpose, each with its own table
    for purpose in ("Keep my place safe and looking good", "Enable others to work to purpose"):
        assert purpose in text


def _overflowing_text(html: str) -> list[str]:
    """Text laid out past the right edge of the page's content box (WeasyPrint's own layout)."""
    from weasyprint import HTML
    from weasyprint.formatting_structure import boxes

    document = HTML(string=html, base_url=str(render.REPORTS_DIR)).render()
    out = []
    for number, page in enumerate(document.pages, start=1):
        page_box = page._page_box
        right = page_box.content_box_x() + page_box.width
        for box in page_box.descendants():
            if isinstance(box, boxes.TextBox) and box.position_x + box.width > right + 0.5:
                out.append(f"page {number}: {box.text!r}")
    return out


def test_scrutiny_summary_tables_fit_the_page(reports_db, workspace):
    built(["scrutiny", "--period", "2025-26-Q4"])
    folder = freeze.pack_dir("scrutiny", "2025-26-Q4")
    for html in folder.glob("*.html"):
        assert not _overflowing_text(html.read_text()), html.name
    # and the check sees a table wider than the page
    wide = "<table style='width: 300mm'><tr><td>far right</td><td>edge</td></tr></table>"
    assert _overflowing_text(f"<html><body>{wide}</body></html>")


# Page 1 of each kind of pack at 60 dpi, compared with a reference image so that a layout change
# shows: BDC_UPDATE_REPORT_PAGES=1 rewrites the references (look at them before committing).
REFERENCE_PAGES = {
    "cabinet": ("cabinet", "2026-03", "cabinet-2026-03-bromsgrove.pdf"),
    "portfolio": ("portfolio", "2026-03", "portfolio-2026-03-bromsgrove-finance-and-enabling.pdf"),
    "scrutiny": ("scrutiny", "2025-26-Q4", "scrutiny-2025-26-Q4-bromsgrove.pdf"),
}
REFERENCE_DIR = Path(__file__).parents[1] / "fixtures" / "reports"


def test_first_pages_match_their_reference_layout(reports_db, workspace, tmp_path):
    from PIL import Image, ImageChops

    runner = CliRunner()
    counts = {}
    for name, (kind, period, file) in REFERENCE_PAGES.items():
        built([kind, "--period", period], runner)
        pdf = freeze.pack_dir(kind, period) / file
        counts[name] = len(PdfReader(pdf).pages)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
             str(tmp_path / name)],
            check=True,
        )  # fmt: skip
        page = Image.open(tmp_path / f"{name}.png").convert("L")
        reference = REFERENCE_DIR / f"{name}-page-1.png"
        if os.environ.get("BDC_UPDATE_REPORT_PAGES"):
            REFERENCE_DIR.mkdir(parents=True, exist_ok=True)
            page.save(reference)
            continue
        expected = Image.open(reference).convert("L")
        assert page.size == expected.size, name
        # pixels that moved from ink to paper or back; a font hinting change moves a few
        changed = ImageChops.difference(page, expected).point(lambda v: 255 if v > 96 else 0)
        share = sum(changed.histogram()[255:]) / (page.width * page.height)
        assert share < 0.02, f"{name}: {share:.1%} of page 1 changed"
    counts_file = REFERENCE_DIR / "page-counts.json"
    if os.environ.get("BDC_UPDATE_REPORT_PAGES"):
        counts_file.write_text(json.dumps(counts, indent=2, sort_keys=True) + "\n")
    assert counts == json.loads(counts_file.read_text())
