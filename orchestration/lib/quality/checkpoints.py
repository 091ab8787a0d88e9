"""A suite run as Great Expectations runs it: one ValidationDefinition (the suite's native
ExpectationSuite on its table, or on some loaded batches of it) in a Checkpoint whose actions
update the Data Docs (GX's UpdateDataDocsAction) and record the run (RecordQualityResults):

1. The ValidationDefinition validates the whole suite in one pass inside PostgreSQL, for pass
   or fail with counts (GX's BASIC with no sample values: a row query only counts its rows,
   gx_library.COUNTED_ROW_QUERIES), and GX stores the result.
2. UpdateDataDocsAction renders the suite's page and the index (GX runs it before any other
   action).
3. RecordQualityResults explains each failure: validates it again for its rows (every row of a
   row query; a sample of a column check's rows, named by the table's identifying columns),
   adds the names, owners and frequencies of the measures in those rows, and stores the result
   as the suite's latest in GX's results store; writes audit.quality_runs and
   audit.quality_results, which the blocking asset checks and the publication gate read; and,
   when it explained a failure, has GX render the suite's page again with it.

A passing suite therefore costs one pass over its table, as before the Checkpoint.
"""

import datetime as dt
import threading
import uuid
from dataclasses import dataclass, field
from typing import Literal

import psycopg

from orchestration.lib import contracts
from orchestration.lib.quality import data_docs, gx_library, gx_suites
from orchestration.lib.quality import results as quality_results
from orchestration.lib.quality import scope as suite_scope
from orchestration.lib.quality.expectations import UNEXPECTED_ROWS, Expectation, row_level
from orchestration.lib.quality.outcomes import Outcome, SuiteRun, from_gx_result
from orchestration.lib.quality.suite_files import Suite

# Pass or fail with counts, in the one pass: GX's BASIC asks for up to this many sample values
# of each column check, each its own scan of the table even when nothing is found; none are
# asked for, so a passing check costs no more than with BOOLEAN_ONLY (docs/benchmarks.md).
PASS_OR_FAIL = {"result_format": "BASIC", "partial_unexpected_count": 0}
SAMPLE = 20
# Columns that say which figure a row is, in the order a failure is recorded by.
FIGURE_COLUMNS = ("measure_id", "council_code", "period_start")

gx_library.great_expectations()
from great_expectations.checkpoint.actions import ValidationAction  # noqa: E402


@dataclass
class QualityJob:
    """What the Checkpoint's RecordQualityResults action needs beyond GX's result."""

    url: str
    suite: Suite
    expectations: list[Expectation]  # those validated (the suite as scoped to its batches)
    skipped: list[Outcome]  # those that could not run: a relation they read is missing
    scope: suite_scope.Scope | None
    scope_words: str
    batch_definition: object
    context: object
    run_id: str
    run_time: dt.datetime
    run: SuiteRun | None = field(default=None)

    @property
    def about(self) -> dict:
        """The run in words, for its Data Docs page: on the suite the Checkpoint validates (so
        the page GX renders first has it) and in the stored result (so every later build has
        it)."""
        return {
            "title": self.suite.title,
            "table": self.suite.table,
            "owner": self.suite.owner,
            "scope": self.scope_words,
            "run_id": self.run_id,
            "checked_at": self.run_time.isoformat(),
            "could_not_run": [
                {
                    "description": outcome.expectation.description,
                    "rule_id": outcome.expectation.check_id,
                    "reason": outcome.error,
                }
                for outcome in self.skipped
            ],
        }

    def rule(self, result) -> Expectation:
        rule_id = result.expectation_config.meta["rule_id"]
        return next(item for item in self.expectations if item.check_id == rule_id)


_JOBS: dict[str, QualityJob] = {}
_LOCK = threading.Lock()


def register(job: QualityJob) -> None:
    with _LOCK:
        _JOBS[job.run_id] = job


def release(job: QualityJob) -> None:
    with _LOCK:
        _JOBS.pop(job.run_id, None)


class RecordQualityResults(ValidationAction):
    """Explain the failures, store the result as the suite's latest, write our results store
    (audit.quality_runs, audit.quality_results) and refresh the Data Docs page when a failure
    was explained. `run_id` names the run in audit.quality_runs and its QualityJob."""

    type: Literal["bdc_record_quality_results"] = "bdc_record_quality_results"
    name: str = "record_quality_results"
    run_id: str
    site_names: list[str] = []

    def run(self, checkpoint_result, action_context=None) -> dict:
        with _LOCK:
            job = _JOBS[self.run_id]
        ((key, result),) = checkpoint_result.run_results.items()
        explained = explain(job, result)
        result.meta["quality"] = job.about
        data_docs.store_result(job.context, key, result)
        outcomes = [
            from_gx_result(
                job.rule(item), item, severity=gx_suites.severity_of(item.expectation_config)
            )
            for item in result.results
        ]
        job.run = SuiteRun(
            suite=job.suite,
            outcomes=outcomes + job.skipped,
            gx_result=result,
            scope=job.scope_words,
        )
        quality_results.record_run(job.url, job.run, job.scope, run_id=job.run_id)
        job.run.page = _page_url(action_context, key)
        if explained:
            from great_expectations.data_context.types.resource_identifiers import (
                ExpectationSuiteIdentifier,
            )

            job.context.build_data_docs(
                site_names=self.site_names,
                resource_identifiers=[key, ExpectationSuiteIdentifier(job.suite.name)],
            )
        failed = sum(1 for outcome in job.run.outcomes if not outcome.success)
        return {"run_id": job.run_id, "failed": failed, "explained": explained}


def _page_url(action_context, key) -> str:
    """The suite's page, as GX's UpdateDataDocsAction reported it."""
    from great_expectations.checkpoint.actions import UpdateDataDocsAction

    if action_context is None:
        return ""
    for pages in action_context.filter_results(UpdateDataDocsAction):
        for site_url in (pages.get(key) or {}).values():
            return site_url
    return ""


def detail_format(expectation: Expectation, identifying: list[str]) -> dict:
    """How a failed check is validated again: a row query for every row it returns; a column
    check for a sample of its rows, each named by the table's identifying columns."""
    if expectation.type == UNEXPECTED_ROWS:
        return {"result_format": "COMPLETE"}
    detail = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE}
    if identifying and expectation.type.startswith("expect_column_values_to_"):
        detail["unexpected_index_column_names"] = identifying
    return detail


def explain(job: QualityJob, result) -> int:
    """Validate each failed row check again for its rows, in place in `result`; every row query
    is named as GX's own class (the pass-or-fail run counted its rows with a subclass). Returns
    how many failures were explained."""
    batch, identifying, explained = None, None, 0
    for index, item in enumerate(result.results):
        expectation = job.rule(item)
        if expectation.type == UNEXPECTED_ROWS:
            item.expectation_config = gx_suites.native_expectation(expectation).configuration
        if item.success or not row_level(expectation):
            continue
        if batch is None:
            batch = job.batch_definition.get_batch()
            identifying = identifying_columns(job.url, job.suite)
        detailed = batch.validate(
            gx_suites.native_expectation(expectation),
            result_format=detail_format(expectation, identifying),
        )
        detailed.meta = {"measures": measures_named(job.url, detailed)}
        result.results[index] = detailed
        explained += 1
    return explained


def identifying_columns(url: str, suite: Suite) -> list[str]:
    """The columns that say which row is which: the figure's measure, council and period where
    the table has them, else the source contract's key."""
    with psycopg.connect(url) as conn:
        columns = {
            row[0]
            for row in conn.execute(
                "select column_name from information_schema.columns "
                "where table_schema = %s and table_name = %s",
                (suite.schema, suite.table_name),
            )
        }
    figure = [column for column in FIGURE_COLUMNS if column in columns]
    if "measure_id" in figure:
        return figure
    if suite.contract:
        return [column for column in contracts.get(suite.contract).primary_key if column in columns]
    return []


def measures_named(url: str, result) -> dict:
    """Names, owners and frequencies of the measures a failure's rows name, from
    marts.dim_measures (keyed "measure|council"); empty when there are none or no table."""
    details = result.result or {}
    rows = (
        (details.get("details") or {}).get("unexpected_rows")
        or details.get("partial_unexpected_index_list")
        or details.get("partial_unexpected_list")
        or []
    )
    wanted = sorted(
        {str(row["measure_id"]) for row in rows if isinstance(row, dict) and row.get("measure_id")}
    )
    if not wanted:
        return {}
    with psycopg.connect(url) as conn:
        if conn.execute("select to_regclass('marts.dim_measures') is null").fetchone()[0]:
            return {}
        found = conn.execute(
            "select measure_id, council_code, name, owner, frequency from marts.dim_measures "
            "where measure_id = any(%s)",
            (wanted,),
        ).fetchall()
    return {
        f"{measure_id}|{council}": {"name": name, "owner": owner, "frequency": frequency}
        for measure_id, council, name, owner, frequency in found
    }


def new_run_id() -> str:
    return str(uuid.uuid4())


def run_time() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
