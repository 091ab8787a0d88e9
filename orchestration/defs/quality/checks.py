"""Great Expectations suites as blocking Dagster asset checks on the assets they validate."""

import dagster as dg

from orchestration.lib import gx
from orchestration.lib.resources import WarehouseResource


def check_name(suite: gx.Suite) -> str:
    return f"gx_{suite.schema}_{suite.table_name}"


def build_suite_check(suite: gx.Suite) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(suite.asset_key),
        name=check_name(suite),
        blocking=True,
        description=(
            f"Great Expectations suite {suite.name}: {len(suite.expectations)} expectations "
            "tagged with the six data-quality criteria; an ERROR failure blocks downstream."
        ),
    )
    def suite_check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        outcomes = gx.run_suite(warehouse.url, suite)
        worst = gx.worst_failure(outcomes)
        failed = [outcome for outcome in outcomes if not outcome.success]
        return dg.AssetCheckResult(
            passed=worst is None,
            severity=dg.AssetCheckSeverity.WARN if worst == "WARN" else dg.AssetCheckSeverity.ERROR,
            metadata={
                "expectations": len(outcomes),
                "failed": len(failed),
                "failures": dg.MetadataValue.json(
                    [
                        {
                            "expectation": outcome.expectation.type,
                            "kwargs": outcome.expectation.kwargs,
                            "criterion": outcome.expectation.criterion,
                            "severity": outcome.expectation.severity,
                            "unexpected_count": outcome.unexpected_count,
                            "observed": str(outcome.observed),
                        }
                        for outcome in failed
                    ]
                ),
            },
        )

    return suite_check


def suite_checks() -> list[dg.AssetChecksDefinition]:
    return [build_suite_check(suite) for suite in gx.all_suites()]
