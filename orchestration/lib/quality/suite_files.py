"""Suites: YAML files in expectations/suites/<schema>.<table>.yml, loaded and checked.

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
per measure and period, so a waiver can target one figure.

An incremental suite (a raw table with a contract) may be run on `Batches`: the rows of some
loaded batches instead of the whole table (scope.py decides when). Every expectation in it
must hold for the table when it holds for each batch: row checks, the columns, and row queries
that find bad rows among the rows they are given; load_suite refuses any other kind.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from orchestration.lib import contracts, environment
from orchestration.lib.quality.contract_expectations import contract_expectations
from orchestration.lib.quality.expectations import CRITERIA, SEVERITIES, Expectation, row_level


class SuiteError(ValueError):
    """A suite file that is itself wrong."""


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
        if not (row_level(expectation) or expectation.type == "expect_table_columns_to_match_set"):
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
