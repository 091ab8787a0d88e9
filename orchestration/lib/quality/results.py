"""Write suite runs to audit.quality_runs / audit.quality_results (read by the gate and marts).

A failed row query whose rows carry measure_id (and council_code, period_start) is recorded
once per measure, council and period, so the gate and waivers work per figure; any other
outcome is one table-wide row.
"""

import uuid
from datetime import date

import psycopg

from orchestration.lib.quality import scope as suite_scope
from orchestration.lib.quality import store
from orchestration.lib.quality.outcomes import Outcome, SuiteRun

INSERT_RESULT = """
insert into audit.quality_results (run_id, suite, check_id, expectation_type, criterion,
    severity, success, unexpected_count, observed, measure_id, council_code, period_start,
    evidence)
values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
"""


def _scopes(
    outcome: Outcome,
) -> list[tuple[str | None, str | None, date | None, int | None]]:
    """(measure, council, period, count) groups of a failure whose rows are all known and name
    their measure; one table-wide scope otherwise (a sample of the rows could leave out a
    period the gate must block)."""
    if (
        outcome.success
        or not outcome.rows
        or not outcome.rows_complete
        or "measure_id" not in outcome.rows[0]
    ):
        return [(None, None, None, outcome.unexpected_count)]
    counts: dict[tuple, int] = {}
    for row in outcome.rows:
        key = (row.get("measure_id"), row.get("council_code"), row.get("period_start"))
        counts[key] = counts.get(key, 0) + 1
    return [(*key, count) for key, count in sorted(counts.items(), key=str)]


def record_run(
    url: str, run: SuiteRun, scope: suite_scope.Scope | None = None, run_id: str | None = None
) -> str:
    """Store one suite run (and, for an incremental suite, the batches it covered); returns its
    run id (`run_id`, or a new one)."""
    run_id = run_id or str(uuid.uuid4())
    run.run_id = run_id
    failed = sum(1 for outcome in run.outcomes if not outcome.success)
    with psycopg.connect(url) as conn:
        store.ensure_tables(conn)
        conn.execute(
            """insert into audit.quality_runs (run_id, suite, table_name, success,
                   expectations, failed, scope, basis) values (%s, %s, %s, %s, %s, %s, %s, %s)""",
            (
                run_id,
                run.suite.name,
                run.suite.table,
                failed == 0,
                len(run.outcomes),
                failed,
                run.scope,
                scope.basis if scope else None,
            ),
        )
        if scope is not None:
            suite_scope.record(conn, run_id, run.suite, scope, passed=failed == 0)
        rows = []
        for outcome in run.outcomes:
            expectation = outcome.expectation
            for measure_id, council_code, period_start, count in _scopes(outcome):
                rows.append(
                    (
                        run_id,
                        run.suite.name,
                        expectation.check_id,
                        expectation.type,
                        expectation.criterion,
                        expectation.severity,
                        outcome.success,
                        count,
                        None if outcome.observed is None else str(outcome.observed)[:2000],
                        measure_id,
                        council_code,
                        period_start,
                        outcome.evidence,
                    )
                )
        with conn.cursor() as cursor:
            cursor.executemany(INSERT_RESULT, rows)
    return run_id
