"""Run a suite inside PostgreSQL through a Great Expectations Checkpoint, and report it by
criterion and severity.

Everything runs as SQL in the database: the suite's native ExpectationSuite (gx_suites.py) is
validated on the table (or, for an incremental suite, on some loaded batches of it) by one
ValidationDefinition in a Checkpoint, whose actions update the Data Docs and record the run
(checkpoints.py). Nothing pulls the table into pandas.

The suite is validated for pass or fail with counts in one pass (GX's BASIC without sample
values; a row query is counted, not also fetched: gx_library.COUNTED_ROW_QUERIES); only the
checks that fail are validated again, for their rows (docs/benchmarks.md).
"""

from dataclasses import replace

from orchestration.lib import contracts
from orchestration.lib.quality import checkpoints, data_docs, gx_suites
from orchestration.lib.quality import results as quality_results
from orchestration.lib.quality import scope as suite_scope
from orchestration.lib.quality.contract_expectations import batch_rows_reconcile
from orchestration.lib.quality.expectations import Expectation
from orchestration.lib.quality.gx_library import great_expectations
from orchestration.lib.quality.loaded_batches import Batches
from orchestration.lib.quality.outcomes import Outcome, SuiteRun, table_missing
from orchestration.lib.quality.suite_files import Suite


def run_suite(
    url: str,
    suite: Suite,
    batches: Batches | None = None,
    scope: suite_scope.Scope | None = None,
) -> SuiteRun:
    """Validate the suite's table (or only `batches` of it, or the batches `scope` planned) in
    the database through its Checkpoint, which records the run and updates the Data Docs; one
    Outcome per expectation. `scope`: the plan of an incremental suite (scope.plan), recorded
    with the run."""
    if scope is not None:
        batches = scope.batches
    run_id = checkpoints.new_run_id()
    words = "whole table" if batches is None else batches.describe()
    missing = _missing_relations(url, suite)
    if suite.table in missing:
        run = SuiteRun(suite=suite, outcomes=[table_missing(suite)], scope=words)
        quality_results.record_run(url, run, scope, run_id=run_id)
        return run
    gx = great_expectations()
    from great_expectations.checkpoint.actions import UpdateDataDocsAction
    from great_expectations.core.run_identifier import RunIdentifier

    context = data_docs.gx_context()
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
    batch_definition = asset.add_batch_definition_whole_table("whole_table")
    checked = suite if batches is None else for_batches(suite, batches)
    runnable = [item for item in checked.expectations if not set(item.requires) & missing]
    job = checkpoints.QualityJob(
        url=url,
        suite=suite,
        expectations=runnable,
        skipped=[
            _could_not_run(item, missing) for item in checked.expectations if item not in runnable
        ],
        scope=scope,
        scope_words=words,
        batch_definition=batch_definition,
        context=context,
        run_id=run_id,
        run_time=checkpoints.run_time(),
    )
    native = gx_suites.compile_suite(suite, runnable, counted_rows=True)
    native.meta["quality"] = job.about
    gx_suite = context.suites.add(native)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=gx_suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=suite.name,
            validation_definitions=[definition],
            actions=[
                UpdateDataDocsAction(name="update_data_docs", site_names=[data_docs.SITE_NAME]),
                checkpoints.RecordQualityResults(run_id=run_id, site_names=[data_docs.SITE_NAME]),
            ],
            result_format=checkpoints.PASS_OR_FAIL,
        )
    )
    checkpoints.register(job)
    try:
        checkpoint.run(run_id=RunIdentifier(run_name=run_id, run_time=job.run_time))
    finally:
        checkpoints.release(job)
    return job.run


def for_batches(suite: Suite, batches: Batches) -> Suite:
    """The suite as it checks only these batches: reconciled batch by batch like the rest."""
    scoped = batch_rows_reconcile(contracts.get(suite.contract).source, batches)
    return replace(
        suite,
        expectations=tuple(
            replace(scoped, owner=item.owner) if item.check_id == scoped.check_id else item
            for item in suite.expectations
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


def _could_not_run(expectation: Expectation, missing: set[str]) -> Outcome:
    """A check that cannot run yet (a relation it reads is missing) is recorded, not blocking."""
    return Outcome(
        expectation=replace(expectation, severity="WARN"),
        success=False,
        unexpected_count=None,
        observed=None,
        error=f"{', '.join(sorted(set(expectation.requires) & missing))} does not exist",
    )
