"""Run a Great Expectations 1.x suite inside PostgreSQL and report it by criterion and severity.

Suites are YAML in expectations/suites/<schema>.<table>.yml:

    table: raw.crm_contacts
    contract: crm_contacts          # optional: add the expectations the source contract implies
    incremental: true               # optional: after a passing run, check only new batches
    expectations:
      - id: failure_type_present    # optional; stable name used by results and waivers
        type: expect_column_values_to_not_be_null      # any GX 1.x expectation, snake case
        kwargs: {column: contact_id}
        criterion: reliable         # one of the six criteria
        severity: ERROR             # ERROR blocks downstream; WARN records
        description: Every contact has an id.           # plain English, shown as evidence
        requires: [marts.dim_measures]                  # optional: relations the check reads

`unexpected_rows_expectation` takes an SQL query over `{batch}` (the table) that returns the bad
rows. GX aliases `{batch}` itself unless the query contains a join: write `from {batch}` with
unqualified columns in a query without joins, and `from {batch} b` in one with joins. When the
rows carry measure_id (and council_code, period_start) the failure is recorded
per measure and period, so a waiver can target one figure. Everything runs as SQL in the
database: one `batch.validate(suite)` per table; nothing pulls the table into pandas.

An incremental suite (a raw table with a contract) may be run on `Batches`: the rows of some
loaded batches instead of the whole table (suite_scope.py decides when). Every expectation in it
must hold for the table when it holds for each batch: row checks, the columns, and row queries
that find bad rows among the rows they are given; load_suite refuses any other kind.

The suite is validated for pass or fail only (GX's BOOLEAN_ONLY), which spares a second scan
per expectation for sample values nobody reads when it passes (and a row query is counted, not
also fetched: _counted_rows_class); the expectations that fail, and the table-level ones whose
observed value is the evidence, are then validated again one by one for their counts, samples
and rows (docs/benchmarks.md).
"""

import datetime as dt
import importlib.util
import logging
import os
import sys
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import yaml

from orchestration.lib import contracts, environment

CRITERIA = ("relevant", "well_defined", "timely", "reliable", "verifiable", "accurate")
SEVERITIES = ("ERROR", "WARN")
UNEXPECTED_ROWS = "unexpected_rows_expectation"
LINEAGE_COLUMNS = ("_batch_id", "_source_file", "_loaded_at")


class SuiteError(ValueError):
    """A suite file that is itself wrong."""


@dataclass(frozen=True)
class Expectation:
    type: str
    kwargs: dict
    criterion: str
    severity: str
    id: str = ""
    description: str = ""
    requires: tuple[str, ...] = ()

    @property
    def check_id(self) -> str:
        if self.id:
            return self.id
        target = self.kwargs.get("column") or "_".join(self.kwargs.get("column_list", []))
        return f"{self.type}:{target}" if target else self.type


@dataclass(frozen=True)
class Suite:
    name: str
    table: str
    expectations: tuple[Expectation, ...]
    contract: str = ""
    incremental: bool = False

    @property
    def schema(self) -> str:
        return self.table.split(".")[0]

    @property
    def table_name(self) -> str:
        return self.table.split(".")[1]

    @property
    def asset_key(self) -> list[str]:
        return [self.schema, self.table_name]


@dataclass(frozen=True)
class Outcome:
    expectation: Expectation
    success: bool
    unexpected_count: int | None
    observed: object
    rows: tuple[dict, ...] = ()
    error: str = ""

    @property
    def evidence(self) -> str:
        text = self.expectation.description or self.expectation.check_id
        if self.error:
            return f"{text} Could not run: {self.error}"
        if self.success:
            return text
        if self.unexpected_count is not None:
            return f"{text} Unexpected: {self.unexpected_count}."
        return f"{text} Observed: {self.observed}."


@dataclass(frozen=True)
class Batches:
    """Some loaded batches of a raw table. `since` is their earliest load time: a batch's rows
    carry its transaction's time in _loaded_at, so the bound lets PostgreSQL read only the
    table's newest pages (its BRIN index)."""

    ids: tuple[str, ...]
    since: dt.datetime | None

    def describe(self) -> str:
        count = len(self.ids)
        return f"{count} new batch{'es' if count != 1 else ''}"

    def sql_array(self) -> str:
        """The ids as a PostgreSQL uuid[] literal (no braces: GX formats row queries)."""
        return "array[" + ", ".join(f"'{batch_id}'" for batch_id in self.ids) + "]::uuid[]"


@dataclass
class SuiteRun:
    suite: Suite
    outcomes: list[Outcome]
    gx_result: object = field(default=None, repr=False)
    scope: str = "whole table"

    @property
    def success(self) -> bool:
        return all(outcome.success for outcome in self.outcomes)


def _parse_expectation(item: dict, where: str) -> Expectation:
    criterion, severity = item.get("criterion"), item.get("severity")
    if criterion not in CRITERIA:
        raise SuiteError(
            f"{where}: {item.get('type')} has criterion {criterion!r}; "
            f"use one of {', '.join(CRITERIA)}."
        )
    if severity not in SEVERITIES:
        raise SuiteError(f"{where}: {item.get('type')} needs severity ERROR or WARN.")
    return Expectation(
        type=item["type"],
        kwargs=dict(item.get("kwargs", {})),
        criterion=criterion,
        severity=severity,
        id=item.get("id", ""),
        description=item.get("description", ""),
        requires=tuple(item.get("requires", [])),
    )


def load_suite(path: Path) -> Suite:
    data = yaml.safe_load(path.read_text())
    if "." not in data.get("table", ""):
        raise SuiteError(f"{path.name}: 'table' must be schema.table.")
    expectations = [_parse_expectation(item, path.name) for item in data.get("expectations", [])]
    if data.get("contract"):
        expectations = contract_expectations(contracts.get(data["contract"])) + expectations
    ids = [expectation.check_id for expectation in expectations]
    duplicates = sorted({check_id for check_id in ids if ids.count(check_id) > 1})
    if duplicates:
        raise SuiteError(f"{path.name}: give these expectations distinct ids: {duplicates}.")
    suite = Suite(
        name=path.stem,
        table=data["table"],
        expectations=tuple(expectations),
        contract=data.get("contract", ""),
        incremental=bool(data.get("incremental", False)),
    )
    if suite.incremental:
        _check_incremental(suite, path.name)
    return suite


def _check_incremental(suite: Suite, where: str) -> None:
    """Only what holds for a table when it holds for each batch may be checked batch by batch."""
    if not suite.contract or suite.schema != "raw":
        raise SuiteError(f"{where}: only a raw table with a contract can be incremental.")
    for expectation in suite.expectations:
        if not (_row_level(expectation) or expectation.type == "expect_table_columns_to_match_set"):
            raise SuiteError(
                f"{where}: {expectation.check_id} ({expectation.type}) judges the whole table, "
                "so the suite cannot be incremental."
            )
        outside = [name for name in expectation.requires if not name.startswith("raw.")]
        if outside:
            raise SuiteError(
                f"{where}: {expectation.check_id} reads {', '.join(outside)}; an incremental "
                "suite may read only raw tables, whose changes it can see."
            )


@cache
def all_suites(folder: Path | None = None) -> tuple[Suite, ...]:
    folder = folder or environment.expectations_dir() / "suites"
    return tuple(load_suite(path) for path in sorted(folder.glob("*.yml")))


def contract_expectations(contract: contracts.Contract) -> list[Expectation]:
    """What a source's written contract implies, checked again on the loaded table."""
    found = [
        Expectation(
            "expect_table_columns_to_match_set",
            {"column_set": [*contract.column_names, *LINEAGE_COLUMNS], "exact_match": True},
            "well_defined",
            "ERROR",
            id="columns_match_contract",
            description=f"The table has exactly the columns of contract {contract.source}.",
        )
    ]
    for column in contract.columns:
        if column.required:
            found.append(
                Expectation(
                    "expect_column_values_to_not_be_null",
                    {"column": column.name},
                    "well_defined",
                    "ERROR",
                    description=f"{column.name} is required by the contract.",
                )
            )
        if column.allowed:
            found.append(
                Expectation(
                    "expect_column_values_to_be_in_set",
                    {"column": column.name, "value_set": list(column.allowed)},
                    "accurate",
                    "ERROR",
                    description=f"{column.name} uses only the contract's codes.",
                )
            )
        if column.type in ("integer", "numeric") and (column.min, column.max) != (None, None):
            found.append(
                Expectation(
                    "expect_column_values_to_be_between",
                    {"column": column.name, "min_value": column.min, "max_value": column.max},
                    "accurate",
                    "ERROR",
                    description=f"{column.name} lies within [{column.min}, {column.max}].",
                )
            )
        if column.references:
            found.append(_reference_match(contract, column))
    if contract.primary_key:
        found.append(_key_enforced(contract))
    found += _lineage_expectations(contract)
    if contract.period_column:
        found += _volume_expectations(contract)
    return found


def _rows(query: str) -> dict:
    return {"unexpected_rows_query": " ".join(query.split())}


def _reference_match(contract: contracts.Contract, column: contracts.Column) -> Expectation:
    table, key = column.references.split(".")
    query = f"""
        select count(*) filter (where r.{key} is null) as unmatched, count(*) as given
        from {{batch}} b left join raw.{table} r on r.{key} = b.{column.name}
        where b.{column.name} is not null
        having count(*) > 0 and count(*) filter (where r.{key} is null) > 0.05 * count(*)"""
    return Expectation(
        UNEXPECTED_ROWS,
        _rows(query),
        "accurate",
        "WARN",
        id=f"match_rate:{column.name}",
        description=f"At least 95% of {column.name} values match {column.references}.",
        requires=(f"raw.{table}",),
    )


def _key_enforced(contract: contracts.Contract) -> Expectation:
    """No duplicate key, as the warehouse guarantees it: every raw table with a key has a unique
    index on it (loaders.ensure_raw_table), which refuses a duplicate with its file. Checking that
    the index is there and valid proves what grouping the whole table would, without the scan
    (a fifth of raw.crm_contacts' suite at scale 1: docs/benchmarks.md)."""
    key = ", ".join(f"'{column}'" for column in contract.primary_key)
    query = f"""
        select 'raw.{contract.source}' as relation from (select 1 from {{batch}} b limit 1) t
        where not exists (
            select 1 from pg_index i
            where i.indrelid = to_regclass('raw.{contract.source}')
              and i.indisunique and i.indisvalid and i.indpred is null
              and array(select a.attname::text
                        from unnest(i.indkey) with ordinality as k(attnum, position)
                        join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
                        order by k.position) = array[{key}]::text[])"""
    names = ", ".join(contract.primary_key)
    return Expectation(
        UNEXPECTED_ROWS,
        _rows(query),
        "reliable",
        "ERROR",
        id="key_unique",
        description=f"No duplicate {names}: a unique index on it refuses them as files load.",
    )


def _lineage_expectations(contract: contracts.Contract) -> list[Expectation]:
    source = contract.source
    orphans = """
        select p._batch_id, p.rows
        from (select _batch_id, count(*) as rows from {batch} b group by _batch_id) p
        left join audit.loads l on l.batch_id = p._batch_id and l.outcome = 'loaded'
        where l.batch_id is null"""
    files = f"""
        select batch_id, file_name from audit.loads
        where source = '{source}' and outcome = 'loaded'
          and (rows_read <> rows_loaded + rows_rejected or length(file_checksum) <> 64)
          and exists (select 1 from {{batch}})"""
    return [
        Expectation(
            "expect_column_values_to_not_be_null",
            {"column": "_batch_id"},
            "verifiable",
            "ERROR",
            description="Every row carries the batch that loaded it.",
        ),
        Expectation(
            UNEXPECTED_ROWS,
            _rows(orphans),
            "verifiable",
            "ERROR",
            id="rows_trace_to_loaded_batch",
            description="Every row traces to a loaded file, batch and checksum in audit.loads.",
        ),
        _batch_rows_reconcile(source),
        Expectation(
            UNEXPECTED_ROWS,
            _rows(files),
            "verifiable",
            "ERROR",
            id="file_rows_reconcile",
            description="Each loaded file: rows read = rows loaded + rejected, with a checksum.",
        ),
    ]


def _batch_rows_reconcile(source: str, batches: Batches | None = None) -> Expectation:
    """Every loaded batch (or every one of `batches`) has the rows audit.loads says it loaded."""
    only = "" if batches is None else f" and l.batch_id = any({batches.sql_array()})"
    query = f"""
        select l.batch_id, l.file_name, l.rows_loaded, coalesce(p.rows, 0) as rows_in_table
        from audit.loads l
        left join (select _batch_id, count(*) as rows from {{batch}} t group by _batch_id) p
          on p._batch_id = l.batch_id
        where l.source = '{source}' and l.outcome = 'loaded'{only}
          and l.rows_loaded <> coalesce(p.rows, 0)"""
    return Expectation(
        UNEXPECTED_ROWS,
        _rows(query),
        "verifiable",
        "ERROR",
        id="batch_rows_reconcile",
        description="Rows per batch in the table equal the rows audit.loads says were loaded.",
    )


def for_batches(suite: Suite, batches: Batches) -> Suite:
    """The suite as it checks only these batches: reconciled batch by batch like the rest."""
    scoped = _batch_rows_reconcile(contracts.get(suite.contract).source, batches)
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


def _volume_query(contract: contracts.Contract, low: float, high: float | None) -> str:
    """Rows per period from audit.loads, not by counting the table: the same numbers while
    batch_rows_reconcile and rows_trace_to_loaded_batch pass (they are checked in the same
    suite), without two more scans of the table."""
    above = f" or latest.rows > {high} * history.median" if high else ""
    return f"""
        with per_batch as (
            select l.batch_id as _batch_id, l.period_start, l.rows_loaded as rows
            from audit.loads l
            where l.source = '{contract.source}' and l.outcome = 'loaded'
              and exists (select 1 from {{batch}})),
        latest as (select * from per_batch order by period_start desc nulls last limit 1),
        history as (
            select percentile_cont(0.5) within group (order by rows) as median,
                   count(*) as batches
            from (select rows from per_batch
                  where _batch_id <> (select _batch_id from latest)
                  order by period_start desc limit 12) recent)
        select latest._batch_id, latest.period_start, latest.rows, history.median
        from latest, history
        where history.batches >= 3
          and (latest.rows < {low} * history.median{above})"""


def _volume_expectations(contract: contracts.Contract) -> list[Expectation]:
    return [
        Expectation(
            UNEXPECTED_ROWS,
            _rows(_volume_query(contract, 0.5, 1.5)),
            "reliable",
            "WARN",
            id="volume_against_history",
            description=(
                "The latest period's rows are within half to one and a half times the median "
                "of the previous 12 periods."
            ),
        ),
        Expectation(
            UNEXPECTED_ROWS,
            _rows(_volume_query(contract, 0.2, None)),
            "reliable",
            "ERROR",
            id="volume_collapse",
            description=(
                "The latest period has at least a fifth of the median rows of the previous "
                "12 periods (fewer suggests a truncated or partial file)."
            ),
        ),
    ]


def _defer_import(name: str) -> None:
    """Put module `name` in sys.modules unexecuted: it runs on its first attribute access
    (importlib.util.LazyLoader). Bound on its package too, so `from package import module`
    finds it there instead of importing it."""
    spec = importlib.util.find_spec(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    package, _, child = name.rpartition(".")
    setattr(sys.modules[package], child, module)


@cache
def great_expectations():
    """The great_expectations package, imported with scipy.stats left until first used.

    GX imports scipy.stats at import time for distribution expectations (KL divergence, KS
    tests) that no suite here uses: about 1 s of GX's 2.2 s import, paid by every run that
    validates (docs/benchmarks.md). An expectation that needs it still gets it, on first use.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    if "scipy.stats" not in sys.modules:
        _defer_import("scipy.stats")
    import great_expectations as gx

    return gx


def _expectation_class(name: str):
    gx = great_expectations()
    camel = "".join(part.capitalize() for part in name.split("_"))
    try:
        return getattr(gx.expectations, camel)
    except AttributeError as error:
        raise SuiteError(f"Unknown Great Expectations expectation '{name}'.") from error


def _sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg2://", 1)


@cache
def _counted_rows_class():
    """UnexpectedRowsExpectation that asks only for the number of unexpected rows. GX's own also
    fetches the rows, so PostgreSQL ran every row query twice even for pass or fail; a failure
    is validated again with GX's own class for its rows (_validate_detailed)."""
    from typing import ClassVar

    UnexpectedRowsExpectation = great_expectations().expectations.UnexpectedRowsExpectation

    class CountedUnexpectedRows(UnexpectedRowsExpectation):
        metric_dependencies: ClassVar[tuple[str, ...]] = ("unexpected_rows_query.row_count",)

        def _validate(self, metrics, runtime_configuration=None, execution_engine=None):
            return {"success": metrics["unexpected_rows_query.row_count"] == 0}

    return CountedUnexpectedRows


def _gx_expectation(expectation: Expectation, counted: bool = False):
    make = _counted_rows_class() if counted else _expectation_class(expectation.type)
    return make(
        **expectation.kwargs,
        meta={
            "check_id": expectation.check_id,
            "criterion": expectation.criterion,
            "severity": expectation.severity,
        },
        description=expectation.description or None,
    )


def _missing_relations(url: str, suite: Suite) -> set[str]:
    import psycopg

    wanted = sorted({suite.table, *(name for item in suite.expectations for name in item.requires)})
    with psycopg.connect(url) as conn:
        return {
            name
            for name in wanted
            if conn.execute("select to_regclass(%s)", (name,)).fetchone()[0] is None
        }


def _context():
    gx = great_expectations()

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    return context


def run_suite(url: str, suite: Suite, batches: Batches | None = None) -> SuiteRun:
    """Validate the suite's table (or only `batches` of it) in the database in one call; one
    Outcome per expectation."""
    gx = great_expectations()
    missing = _missing_relations(url, suite)
    if suite.table in missing:
        return SuiteRun(suite=suite, outcomes=[_table_missing(suite)])
    context = _context()
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
            expectations=[_gx_expectation(e, counted=e.type == UNEXPECTED_ROWS) for e in runnable],
        )
    )
    result = batch.validate(gx_suite, result_format={"result_format": "BOOLEAN_ONLY"})
    by_id = {item.check_id: item for item in runnable}
    outcomes = []
    for index, item_result in enumerate(result.results):
        expectation = by_id[item_result.expectation_config.meta["check_id"]]
        if item_result.success and _row_level(expectation):
            if expectation.type == UNEXPECTED_ROWS:  # the saved result names GX's own class
                item_result.expectation_config = _gx_expectation(expectation).configuration
            outcomes.append(_passed(expectation))
            continue
        detailed = _validate_detailed(batch, expectation)
        result.results[index] = detailed
        outcomes.append(_outcome(expectation, detailed))
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


def _row_level(expectation: Expectation) -> bool:
    """Checks that pass exactly when no row is unexpected (no `mostly` is used here)."""
    return expectation.type == UNEXPECTED_ROWS or expectation.type.startswith(
        ("expect_column_values_to_", "expect_compound_columns_to_")
    )


def _passed(expectation: Expectation) -> Outcome:
    observed = 0 if expectation.type == UNEXPECTED_ROWS else None
    return Outcome(expectation=expectation, success=True, unexpected_count=0, observed=observed)


def _validate_detailed(batch, expectation: Expectation):
    """One expectation with its counts and samples; the failing rows of a row query (rare) so
    failures can be placed by measure."""
    detail = "COMPLETE" if expectation.type == UNEXPECTED_ROWS else "SUMMARY"
    return batch.validate(_gx_expectation(expectation), result_format={"result_format": detail})


def _table_missing(suite: Suite) -> Outcome:
    expectation = Expectation(
        "expect_table_row_count_to_be_between",
        {"min_value": 0},
        "timely",
        "WARN",
        id="table_exists",
        description=f"{suite.table} exists.",
    )
    return Outcome(expectation, False, None, None, error=f"{suite.table} does not exist yet")


def _as_warning(expectation: Expectation) -> Expectation:
    """A check that cannot run yet (a relation it reads is missing) is recorded, not blocking."""
    return Expectation(**{**expectation.__dict__, "severity": "WARN"})


def _outcome(expectation: Expectation, item_result) -> Outcome:
    details = item_result.result or {}
    error = ""
    info = item_result.exception_info or {}
    for entry in [info, *info.values()]:
        if isinstance(entry, dict) and entry.get("raised_exception"):
            error = str(entry.get("exception_message", "")).splitlines()[0][:300]
            break
    observed = details.get("observed_value")
    unexpected = details.get("unexpected_count")
    if expectation.type == UNEXPECTED_ROWS and isinstance(observed, int):
        unexpected = observed
    rows = (details.get("details") or {}).get("unexpected_rows") or []
    return Outcome(
        expectation=expectation,
        success=bool(item_result.success),
        unexpected_count=unexpected,
        observed=observed,
        rows=tuple(dict(row) for row in rows[:10000]) if not item_result.success else (),
        error=error,
    )


def worst_failure(outcomes: list[Outcome]) -> str | None:
    failed = {outcome.expectation.severity for outcome in outcomes if not outcome.success}
    if "ERROR" in failed:
        return "ERROR"
    return "WARN" if failed else None
