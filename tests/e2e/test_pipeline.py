"""The whole pipeline, as `make run` does it: demo files -> raw -> dbt -> checks -> measures."""

import json
import os
import time

import dagster as dg
import numpy as np
import psycopg
import pytest

from orchestration import demo
from orchestration.definitions import defs
from orchestration.defs import schedules
from orchestration.demo import officer_entries
from orchestration.lib import contracts, dbt, demonstration, descriptions, environment
from orchestration.lib.dagster import runner
from orchestration.lib.ingest import load_audit
from orchestration.lib.quality import freshness
from orchestration.lib.spc import chunky as spc_chunky

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

    # Every chart of the demo's and the real published data fits its data (issue: signals).
    _assert_no_signal_rests_on_a_running_total_or_chunky_data(activated)

    # Every table and column analysts read has a description in the database, after rebuilds
    # too (dbt's persist_docs; descriptions.apply for the tables built in Python).
    with psycopg.connect(activated) as conn:
        missing = descriptions.undescribed(conn)
        shares = descriptions.coverage(conn)
    assert all(total > 0 and described / total >= 0.9 for described, total in shares.values())
    assert missing == [], f"no description for: {', '.join(missing)} (described: {shares})"

    # The README's example queries, exactly as written, as the read-only analyst.
    analyst = "postgresql://analyst:analyst-test@" + activated.split("@", 1)[1]
    with psycopg.connect(analyst) as conn:
        for statement in _readme_queries():
            assert conn.execute(statement).fetchall(), statement


def _assert_no_signal_rests_on_a_running_total_or_chunky_data(url: str) -> None:
    """Every measure and case chart the pipeline drew: a year-to-date measure is charted as
    its change on the same month a year earlier, never as the running total; and no special
    cause (point or icon) stands on limits that Wheeler's chunky-data rule cannot trust,
    judged here from the stored limits and values themselves."""
    with psycopg.connect(url) as conn:
        running = conn.execute(
            "select measure_id, council_code from marts.dim_measures "
            "where accumulation = 'year_to_date'"
        ).fetchall()
        expected = {"fin_council_tax_collected", "bus_business_rates_collected"}
        assert {measure_id for measure_id, _ in running} >= expected
        for measure_id, council in running:
            values = dict(
                conn.execute(
                    "select period_start, value::float from marts.fct_measure_values "
                    "where measure_id = %s and council_code = %s and geography_type = 'council' "
                    "and geography_code = council_code",
                    (measure_id, council),
                ).fetchall()
            )
            charted = conn.execute(
                "select period_start, value from analysis.measure_spc "
                "where measure_id = %s and council_code = %s and not ghost and value is not null",
                (measure_id, council),
            ).fetchall()
            assert len(charted) >= 12, (measure_id, council)
            for start, value in charted:
                earlier = start.replace(year=start.year - 1)
                assert value == pytest.approx(values[start] - values[earlier]), (measure_id, start)
            (text,) = conn.execute(
                "select text_alternative from analysis.measure_icons "
                "where measure_id = %s and council_code = %s",
                (measure_id, council),
            ).fetchone()
            assert "change from the same month a year earlier" in text
            assert "because the figure is a running total for the financial year" in text

        checked = chunky = 0
        for table, key in (
            ("measure", "measure_id, council_code"),
            ("case_e2e", "council_code, service, case_type, view"),
        ):
            rows = conn.execute(
                f"select {key}, partition, ghost, value, mean, upl, point_type "
                f"from analysis.{table}_spc order by {key}, "
                + ("period_start" if table == "measure" else "point_index")
            ).fetchall()
            icons = {
                tuple(row[:-1]): row[-1]
                for row in conn.execute(f"select {key}, variation_icon from analysis.{table}_icons")
            }
            width = len(key.split(","))
            series: dict = {}
            for row in rows:
                series.setdefault(tuple(row[:width]), []).append(row[width:])
            for name, points in series.items():
                live = [p for p in points if not p[1] and p[2] is not None]
                resolution = spc_chunky.infer_resolution(np.array([p[2] for p in live]))
                latest_partition = live[-1][0] if live else None
                for partition in {p[0] for p in live}:
                    mean, upl = next((p[3], p[4]) for p in live if p[0] == partition)
                    if mean is None or upl is None:
                        continue
                    checked += 1
                    amr = (upl - mean) / 2.66
                    possible = spc_chunky.possible_values(
                        np.array([amr]), np.array([resolution if resolution else np.nan])
                    )[0]
                    if possible > spc_chunky.MOST_POSSIBLE_VALUES_WHEN_CHUNKY:
                        continue
                    chunky += 1
                    types = {p[5] for p in live if p[0] == partition}
                    assert types <= {"common_cause"}, (table, name, partition, types)
                    if partition == latest_partition:
                        assert icons[name] is None, (table, name, icons[name])
    assert checked > 100 and chunky > 0, (checked, chunky)


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
