"""Great Expectations suites as blocking Dagster asset checks; freshness checks per raw asset.

A suite check runs the suite's GX Checkpoint, whose actions record every outcome in
audit.quality_results and update the Data Docs (linked from the check's metadata); it rebuilds
marts.measure_quality when an ERROR failure stops the assets downstream (so the quality marks
are current even then) and fails with ERROR severity when an ERROR expectation failed, which
stops everything downstream in Dagster. Freshness checks are WARN and do not block
Dagster runs: stale inputs block publication through the gate (orchestration/lib/quality/gate.py).
"""

import dagster as dg

from orchestration.defs.ingest.assets import raw_asset_key
from orchestration.defs.keys import relation_key
from orchestration.lib import contracts
from orchestration.lib.dagster.resources import WarehouseResource
from orchestration.lib.quality import data_docs as quality_docs
from orchestration.lib.quality import freshness, suite_files, validation
from orchestration.lib.quality import marks as quality_marts
from orchestration.lib.quality import scope as suite_scope
from orchestration.lib.quality.outcomes import Outcome, SuiteRun, worst_failure


def check_name(suite: suite_files.Suite) -> str:
    return f"gx_{suite.schema}_{suite.table_name}"


def _failure_rows(outcomes: list[Outcome]) -> list[dict]:
    return [
        {
            "check": outcome.expectation.check_id,
            "criterion": outcome.expectation.criterion,
            "severity": outcome.expectation.severity,
            "unexpected_count": outcome.unexpected_count,
            "evidence": outcome.evidence,
        }
        for outcome in outcomes
        if not outcome.success
    ]


def run_and_record(url: str, suite: suite_files.Suite) -> tuple[SuiteRun, str]:
    """Validate through the suite's Checkpoint, which records the results and updates the Data
    Docs; refresh the quality marks when it matters.

    An ERROR failure stops the marts/measure_quality asset downstream, so the marks are rebuilt
    here then; otherwise (a pass, or WARN failures, which do not block) the asset rebuilds them,
    once per run instead of once per suite. An incremental suite checks only the batches loaded
    since its last passing run when it can (lib/quality/scope.py).
    """
    run = validation.run_suite(url, suite, scope=suite_scope.plan(url, suite))
    if worst_failure(run.outcomes) == "ERROR":
        quality_marts.build_measure_quality(url)
    return run, run.run_id


def build_suite_check(suite: suite_files.Suite) -> dg.AssetChecksDefinition:
    criteria = sorted({expectation.criterion for expectation in suite.expectations})

    @dg.asset_check(
        asset=relation_key(suite.table),
        name=check_name(suite),
        blocking=True,
        description=(
            f"Great Expectations suite {suite.name}: {len(suite.expectations)} expectations "
            f"({', '.join(criteria)}); an ERROR failure blocks everything downstream."
        ),
    )
    def suite_check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        run, run_id = run_and_record(warehouse.url, suite)
        index = quality_docs.index_path().as_uri()
        worst = worst_failure(run.outcomes)
        failures = _failure_rows(run.outcomes)
        return dg.AssetCheckResult(
            passed=worst is None,
            severity=dg.AssetCheckSeverity.WARN if worst == "WARN" else dg.AssetCheckSeverity.ERROR,
            metadata={
                "run_id": run_id,
                "scope": run.scope,
                "expectations": len(run.outcomes),
                "failed": len(failures),
                "failed_error": sum(1 for row in failures if row["severity"] == "ERROR"),
                "failures": dg.MetadataValue.json(failures),
                "data_docs": dg.MetadataValue.url(index),
                "data_docs_page": dg.MetadataValue.url(run.page or index),
            },
        )

    return suite_check


def build_freshness_check(contract: contracts.Contract) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=raw_asset_key(contract.source),
        name=f"fresh_{contract.source}",
        description=(
            f"Timely: {contract.frequency} data is due by working day {contract.due_working_day} "
            "of the following month (England and Wales bank holidays excluded)."
        ),
    )
    def freshness_check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        import psycopg

        with psycopg.connect(warehouse.url) as conn:
            (state,) = freshness.check_sources(conn, [contract.source])
        return dg.AssetCheckResult(
            passed=not state.stale,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "period": state.period.label(),
                "due": state.due.isoformat(),
                "loaded_at": str(state.loaded_at) if state.loaded_at else "not loaded",
                "late": state.late,
                "message": state.message(),
            },
        )

    return freshness_check


def suite_checks() -> list[dg.AssetChecksDefinition]:
    return [build_suite_check(suite) for suite in suite_files.all_suites()]


def freshness_checks() -> list[dg.AssetChecksDefinition]:
    return [
        build_freshness_check(contract)
        for contract in contracts.all_contracts().values()
        if freshness.has_rule(contract)
    ]
