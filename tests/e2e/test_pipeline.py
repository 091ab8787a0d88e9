"""The whole pipeline, as `make run` does it: demo files -> raw -> dbt -> checks -> measures."""

import json
import os
import time

import dagster as dg
import psycopg
import pytest

from orchestration import demo
from orchestration.definitions import defs
from orchestration.defs import schedules
from orchestration.demo import officer_entries
from orchestration.lib import contracts, dbt, demonstration, environment
from orchestration.lib.dagster import runner
from orchestration.lib.ingest import load_audit
from orchestration.lib.quality import freshness

pytestmark = pytest.mark.e2e


# Every run is audited by design (quality runs and results, gate decisions): not data.
RUN_LOGS = ("audit.quality_runs", "audit.quality_results", "audit.gate_decisions")


def _snapshot(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "select schemaname || '.' || tablename from pg_tables "
            "where schemaname in ('raw', 'marts', 'audit', 'analysis', 'publish') "
            "and schemaname || '.' || tablename <> all(%s) order by 1",
            (list(RUN_LOGS),),
        ).fetchall()
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for (t,) in tables}


def test_demo_then_run_loads_everything_a_second_run_changes_nothing_analysts_can_query(
    activated, workspace
):
    # Fresh data, as `bdc demo` writes by default, so the quality gate lets the outputs through.
    last_month = freshness.latest_due_month()
    demo.generate(
        workspace["landing"],
        scale=0.02,
        last_month=last_month,
        reference_dir=environment.reference_dir(),
    )
    officer_entries.seed(activated, last_month, demo.DEFAULT_SEED)
    demonstration.mark(activated)  # as `bdc demo` does: the outputs say the data are invented
    dbt.prepare_manifest()
    target = environment.dbt_project_dir() / "target"
    for old in range(dbt.KEPT_INVOCATIONS + 5):  # earlier dbt commands' folders, a year old
        folder = target / f"dbt_models-old{old:04d}-x"
        folder.mkdir(exist_ok=True)
        os.utime(folder, (time.time() - 365 * 86400,) * 2)
    result = runner.materialize(defs, log_level="WARNING")
    failed = [event.step_key for event in result.all_events if event.is_step_failure]
    assert result.success, failed

    first = _snapshot(activated)
    # dbt's data tests run in every run; its unit tests (fixed inputs) are left to `make test`.
    kinds = {r["unique_id"].split(".")[0] for r in _dbt_results(result.run_id)}
    assert {"model", "test"} <= kinds and "unit_test" not in kinds, kinds
    # dagster-dbt's folder per dbt command is pruned to the newest few, this run's among them.
    assert len(list(target.glob("dbt_models-*"))) <= dbt.KEPT_INVOCATIONS
    assert len(list(target.glob("dbt_models-old*"))) < dbt.KEPT_INVOCATIONS
    for source in contracts.all_contracts():
        assert first.get(f"raw.{source}", 0) > 0, source
    with psycopg.connect(activated) as conn:
        rejected = conn.execute("select count(*) from audit.loads where outcome <> 'loaded'")
        assert rejected.fetchone()[0] == 0
        months = conn.execute(
            "select count(distinct period_start) from marts.fct_measure_values "
            "where council_code = 'E07000234'"
        ).fetchone()[0]
        # (At this tiny scale a rare case type may have no cases; tests/integration/
        # test_measures_model.py checks every measure has values at a realistic scale.)
        manual_without_values = conn.execute(
            "select m.measure_id, m.council_code from marts.dim_measures m "
            "where m.input_method = 'manual' and not exists (select 1 from "
            "marts.fct_measure_values v where v.measure_id = m.measure_id "
            "and v.council_code = m.council_code and v.status = 'final')"
        ).fetchall()
    assert months >= 36  # three financial years of monthly values at least
    assert manual_without_values == []  # the demo officers' confirmed entries reach the marts
    # The outputs: every report kind in all three formats, the public site.
    for kind in ("cabinet", "portfolio", "scrutiny"):
        folder = workspace["output"] / "reports" / kind
        for suffix in ("html", "pdf", "csv"):
            assert list(folder.rglob(f"*.{suffix}")), f"no {suffix} for {kind}"
    assert (workspace["output"] / "site" / "index.html").exists()
    # Built from the demo's invented data, the outputs say so: every site page, every PDF page.
    for page in (workspace["output"] / "site").rglob("*.html"):
        assert demonstration.LABEL in page.read_text(encoding="utf-8"), page
    for pdf in (workspace["output"] / "reports").rglob("*.pdf"):
        for number, text in enumerate(_pdf_pages(pdf), start=1):
            assert demonstration.LABEL in text, f"{pdf.name}, page {number}"

    again = runner.materialize(defs, log_level="WARNING")
    assert again.success
    assert _snapshot(activated) == first
    # The raw suites that passed check only batches loaded since (none); the rest the whole table.
    scopes = [_check_scopes(run) for run in (result, again)]
    assert set(scopes[0].values()) == {"whole table"}
    assert scopes[1]["gx_raw_crm_contacts"] == "0 new batches"
    assert scopes[1]["gx_raw_gazetteer"] == "whole table"
    # Nothing about the models changed, so dbt's docs were kept, not regenerated.
    assert [_docs_regenerated(run) for run in (result, again)] == [True, False]

    # A batch withdrawn by hand leaves the raw table and, once rebuilt, the marts (an early
    # month: withdrawing the newest would make the data stale, and the gate would hold the site).
    with psycopg.connect(activated) as conn:
        batch, month = conn.execute(
            "select batch_id::text, period_start from audit.loads where source = 'crm_contacts' "
            "and outcome = 'loaded' order by period_start limit 1"
        ).fetchone()

        def demand_rows() -> int:
            return conn.execute(
                "select count(*) from marts.fct_demand where period_month = %s",
                (month,),
            ).fetchone()[0]

        before = demand_rows()
        conn.commit()
    assert before > 0
    load_audit.withdraw(activated, batch, "sent in error", by="test")
    rebuilt = runner.materialize(
        defs,
        schedules.rebuild_selection(
            dg.AssetSelection.assets(dg.AssetKey(["raw", "crm_contacts"])).downstream()
        ),
        log_level="WARNING",
    )
    assert rebuilt.success
    with psycopg.connect(activated) as conn:
        assert demand_rows() == 0

    # The README's example queries, exactly as written, as the read-only analyst.
    analyst = "postgresql://analyst:analyst-test@" + activated.split("@", 1)[1]
    with psycopg.connect(analyst) as conn:
        for statement in _readme_queries():
            assert conn.execute(statement).fetchall(), statement


def _pdf_pages(path) -> list[str]:
    from pypdf import PdfReader

    return [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]


def _check_scopes(result) -> dict[str, str]:
    return {
        evaluation.check_name: evaluation.metadata["scope"].value
        for evaluation in result.get_asset_check_evaluations()
        if "scope" in evaluation.metadata
    }


def _dbt_results(run_id: str) -> list[dict]:
    """The results of the dbt build the run started (dagster-dbt's target/<op>-<run>-<id>/)."""
    target = environment.dbt_project_dir() / "target"
    (path,) = target.glob(f"dbt_models-{run_id[:7]}-*/run_results.json")
    return json.loads(path.read_text())["results"]


def _docs_regenerated(result) -> bool:
    (event,) = [
        e for e in result.get_asset_materialization_events() if e.asset_key.path == ["docs", "dbt"]
    ]
    return event.materialization.metadata["regenerated"].value


def _readme_queries() -> list[str]:
    readme = (environment.REPO_ROOT / "README.md").read_text()
    block = readme.split("## Example queries for analysts", 1)[1].split("```sql", 1)[1]
    statements = [s.strip() for s in block.split("```", 1)[0].split(";") if s.strip()]
    assert len(statements) == 3
    return statements
