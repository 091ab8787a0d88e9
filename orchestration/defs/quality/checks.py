"""Great Expectations suites as blocking Dagster asset checks; freshness checks per raw asset.

A suite check records every outcome in audit.quality_results, saves the result for the Data
Docs, rebuilds marts.measure_quality when an ERROR failure stops the assets downstream (so the
quality marks are current even then) and fails with ERROR severity when an ERROR expectation
failed, which stops everything downstream in Dagster. Freshness checks are WARN and do not block
Dagster runs: stale inputs block publication through the gate (orchestration/lib/quality/gate.py).
"""

import dagster as dg

from orchestration.lib import contracts
from orchestration.lib.dagster.resources import WarehouseResource
from orchestration.lib.quality import data_docs as quality_docs
from orchestration.lib.quality import freshness
from orchestration.lib.quality import marks as quality_marts
from orchestration.lib.quality import results as quality_results
from orchestration.lib.quality import scope as suite_scope
from orchestration.lib.quality import suites as gx


def check_name(suite: gx.Suite) -> str:
    return f"gx_{suite.schema}_{suite.table_name}"


def _failure_rows(outcomes: list[gx.Outcome]) -> list[dict]:
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


def run_and_record(url: str, suite: gx.Suite) -> tuple[gx.SuiteRun, str]:
    """Validate, store results and the Data Docs; refresh the quality marks when it matters.

    An ERROR failure stops the marts/measure_quality asset downstream, so the marks and the
    Data Docs are rebuilt here then; otherwise (a pass, or WARN failures, which do not block)
    the asset rebuilds them, once per run instead of once per suite. An incremental suite checks
    only the batches loaded since its last passing run when it can (lib/quality/scope.py).
    """
    scope = suite_scope.plan(url, suite)
    run = gx.run_suite(url, suite, scope.batches)
    run_id = quality_results.record_run(url, run, scope)
    saved = quality_docs.save_result(run) is not None
    if gx.worst_failure(run.outcomes) == "ERROR":
        if saved:
            quality_docs.build_data_docs()
        quality_marts.build_measure_quality(url)
    return run, run_id


def build_suite_check(suite: gx.Suite) -> dg.AssetChecksDefinition:
    criteria = sorted({expectation.criterion for expectation in suite.expectations})

    @dg.asset_check(
        asset=dg.AssetKey(suite.asset_key),
        name=check_name(suite),
        blocking=True,
        description=(
            f"Great Expectations suite {suite.name}: {len(suite.expectations)} expectations "
            f"({', '.join(criteria)}); an ERROR failure blocks everything downstream."
        ),
    )
    def suite_check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        run, run_id = run_and_record(warehouse.url, suite)
        worst = gx.worst_failure(run.outcomes)
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
                "data_docs": str(quality_docs.quality_dir() / "data_docs" / "index.html"),
            },
        )

    return suite_check


def build_freshness_check(contract: contracts.Contract) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["raw", contract.source]),
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
    return [build_suite_check(suite) for suite in gx.all_suites()]


def freshness_checks() -> list[dg.AssetChecksDefinition]:
    return [
        build_freshness_check(contract)
        for contract in contracts.all_contracts().values()
        if freshness.has_rule(contract)
    ]
