"""Run a Great Expectations 1.x suite inside PostgreSQL and report it by criterion and severity.

Everything runs as SQL in the database: one `batch.validate(suite)` per table (or per set of
loaded batches, for an incremental suite); nothing pulls the table into pandas.

The suite is validated for pass or fail only (GX's BOOLEAN_ONLY), which spares a second scan
per expectation for sample values nobody reads when it passes (and a row query is counted, not
also fetched: gx_library.COUNTED_ROW_QUERIES); the expectations that fail, and the table-level
ones whose observed value is the evidence, are then validated again one by one for their
counts, samples and rows (docs/benchmarks.md).
"""

from dataclasses import replace

from orchestration.lib import contracts
from orchestration.lib.quality.contract_expectations import batch_rows_reconcile
from orchestration.lib.quality.expectations import UNEXPECTED_ROWS, Expectation, row_level
from orchestration.lib.quality.gx_library import (
    ephemeral_context,
    great_expectations,
    gx_expectation,
)
from orchestration.lib.quality.loaded_batches import Batches
from orchestration.lib.quality.outcomes import (
    Outcome,
    SuiteRun,
    from_gx_result,
    passed,
    table_missing,
)
from orchestration.lib.quality.suite_files import Suite


def run_suite(url: str, suite: Suite, batches: Batches | None = None) -> SuiteRun:
    """Validate the suite's table (or only `batches` of it) in the database in one call; one
    Outcome per expectation."""
    gx = great_expectations()
    missing = _missing_relations(url, suite)
    if suite.table in missing:
        return SuiteRun(suite=suite, outcomes=[table_missing(suite)])
    context = ephemeral_context()
    source = context.data_sources.add_postgres(
        name="warehouse",
        connection_string=_sqlalchemy_url(url),
        kwargs={"connect_args": {"options": f"-c search_path={suite.schema}"}},
    )
    if batches is None:
        asset = source.add_table_asset(name=suite.table_name, table_name=suite.table_name)
    else:
        asset = source.add_query_asset(
            name=suite.table_name, query=_batches_query(suite.table, batches)
        )
    batch = asset.add_batch_definition_whole_table("whole_table").get_batch()
    checked = suite if batches is None else for_batches(suite, batches)
    runnable = [item for item in checked.expectations if not set(item.requires) & missing]
    gx_suite = context.suites.add(
        gx.ExpectationSuite(
            name=suite.name,
            expectations=[gx_expectation(e, counted=e.type == UNEXPECTED_ROWS) for e in runnable],
        )
    )
    result = batch.validate(gx_suite, result_format={"result_format": "BOOLEAN_ONLY"})
    by_id = {item.check_id: item for item in runnable}
    outcomes = []
    for index, item_result in enumerate(result.results):
        expectation = by_id[item_result.expectation_config.meta["check_id"]]
        if item_result.success and row_level(expectation):
            if expectation.type == UNEXPECTED_ROWS:  # the saved result names GX's own class
                item_result.expectation_config = gx_expectation(expectation).configuration
            outcomes.append(passed(expectation))
            continue
        detailed = _validate_detailed(batch, expectation)
        result.results[index] = detailed
        outcomes.append(from_gx_result(expectation, detailed))
    outcomes += [
        Outcome(
            expectation=_as_warning(item),
            success=False,
            unexpected_count=None,
            observed=None,
            error=f"{', '.join(sorted(set(item.requires) & missing))} does not exist",
        )
        for item in suite.expectations
        if set(item.requires) & missing
    ]
    scope = "whole table" if batches is None else batches.describe()
    return SuiteRun(suite=suite, outcomes=outcomes, gx_result=result, scope=scope)


def for_batches(suite: Suite, batches: Batches) -> Suite:
    """The suite as it checks only these batches: reconciled batch by batch like the rest."""
    scoped = batch_rows_reconcile(contracts.get(suite.contract).source, batches)
    return replace(
        suite,
        expectations=tuple(
            scoped if item.check_id == scoped.check_id else item for item in suite.expectations
        ),
    )


def _batches_query(table: str, batches: Batches) -> str:
    if not batches.ids:
        return f"select * from {table} where false"
    return (
        f"select * from {table} where _loaded_at >= '{batches.since.isoformat()}' "
        f"and _batch_id = any({batches.sql_array()})"
    )


def _sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg2://", 1)


def _missing_relations(url: str, suite: Suite) -> set[str]:
    import psycopg

    wanted = sorted({suite.table, *(name for item in suite.expectations for name in item.requires)})
    with psycopg.connect(url) as conn:
        return {
            name
            for name in wanted
            if conn.execute("select to_regclass(%s)", (name,)).fetchone()[0] is None
        }


def _validate_detailed(batch, expectation: Expectation):
    """One expectation with its counts and samples; the failing rows of a row query (rare) so
    failures can be placed by measure."""
    detail = "COMPLETE" if expectation.type == UNEXPECTED_ROWS else "SUMMARY"
    return batch.validate(gx_expectation(expectation), result_format={"result_format": detail})


def _as_warning(expectation: Expectation) -> Expectation:
    """A check that cannot run yet (a relation it reads is missing) is recorded, not blocking."""
    return Expectation(**{**expectation.__dict__, "severity": "WARN"})
