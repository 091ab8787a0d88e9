"""Suites: YAML files in expectations/suites/<schema>.<table>.yml, loaded and checked.

    table: raw.crm_contacts
    title: Customer contacts        # optional: what the table holds, in words (default: the
                                    # contract's title)
    owner: Customer Services        # optional: who answers for the data (default: the
                                    # contract's owner); each expectation may name its own
    action: Tell the data engineer.  # optional: what to do when a check fails (default: by
                                    # criterion); each expectation may say its own
    contract: crm_contacts          # optional: add the expectations the source contract implies
    incremental: true               # optional: after a passing run, check only new batches
    expectations:
      - id: failure_type_present    # optional; stable name used by results and waivers
        type: expect_column_values_to_not_be_null      # any GX 1.x expectation, snake case
        kwargs: {column: contact_id}
        criterion: reliable         # one of the six criteria
        severity: ERROR             # ERROR blocks downstream; WARN records
        description: Every contact has an id.           # plain English, shown as evidence
        action: Ask Customer Services to resend the file.  # optional: what to do if it fails
        requires: [marts.dim_measures]                  # optional: relations the check reads

The suite is compiled to a native Great Expectations ExpectationSuite (gx_suites.py): severity
as GX's own `severity`, the criterion, id, owner and action in each expectation's `meta`.

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

from dataclasses import dataclass, replace
from difflib import get_close_matches
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
    title: str = ""
    owner: str = ""

    @property
    def schema(self) -> str:
        return self.table.split(".")[0]

    @property
    def table_name(self) -> str:
        return self.table.split(".")[1]

    @property
    def asset_key(self) -> list[str]:
        return [self.schema, self.table_name]


SUITE_KEYS = ("table", "title", "owner", "action", "contract", "incremental", "expectations")
EXPECTATION_KEYS = (
    "id",
    "type",
    "kwargs",
    "criterion",
    "severity",
    "description",
    "action",
    "owner",
    "requires",
)


def _unknown_keys(item: dict, known: tuple[str, ...], where: str) -> None:
    for key in item:
        if key not in known:
            close = get_close_matches(str(key), known, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else f" Use {', '.join(known)}."
            raise SuiteError(f"{where}: unknown key '{key}'.{hint}")


def _parse_expectation(item: dict, where: str, owner: str, action: str) -> Expectation:
    if not isinstance(item, dict) or "type" not in item:
        raise SuiteError(f"{where}: each expectation needs a type (a GX expectation name).")
    where = f"{where}: {item.get('id') or item['type']}"
    _unknown_keys(item, EXPECTATION_KEYS, where)
    criterion, severity = item.get("criterion"), item.get("severity")
    if criterion not in CRITERIA:
        raise SuiteError(f"{where} has criterion {criterion!r}; use one of {', '.join(CRITERIA)}.")
    if severity not in SEVERITIES:
        raise SuiteError(f"{where} needs severity ERROR or WARN.")
    return Expectation(
        type=item["type"],
        kwargs=dict(item.get("kwargs", {})),
        criterion=criterion,
        severity=severity,
        id=item.get("id", ""),
        description=item.get("description", ""),
        requires=tuple(item.get("requires", [])),
        owner=item.get("owner") or owner,
        action=item.get("action") or action,
    )


def load_suite(path: Path) -> Suite:
    data = yaml.safe_load(path.read_text()) or {}
    _unknown_keys(data, SUITE_KEYS, path.name)
    if "." not in data.get("table", ""):
        raise SuiteError(f"{path.name}: 'table' must be schema.table.")
    contract = contracts.get(data["contract"]) if data.get("contract") else None
    owner = data.get("owner") or (contract.owner if contract else "")
    derived = contract_expectations(contract) if contract is not None else []
    expectations = [replace(item, owner=item.owner or owner) for item in derived] + [
        _parse_expectation(item, path.name, owner, data.get("action", ""))
        for item in data.get("expectations") or []
    ]
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
        title=data.get("title") or (contract.title if contract else data["table"]),
        owner=owner,
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
