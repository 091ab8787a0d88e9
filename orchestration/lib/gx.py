"""Run a Great Expectations 1.x suite inside PostgreSQL and report it by criterion and severity.

Suites are YAML in expectations/suites/<schema>.<table>.yml:

    table: raw.crm_contacts
    expectations:
      - type: expect_column_values_to_not_be_null      # any GX 1.x expectation, snake case
        kwargs: {column: contact_id}
        criterion: reliable                              # one of the six criteria
        severity: ERROR                                  # ERROR blocks downstream; WARN records

Each expectation runs as SQL in the database; nothing pulls the table into pandas.
"""

import logging
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from orchestration.lib import environment

CRITERIA = ("relevant", "well_defined", "timely", "reliable", "verifiable", "accurate")
SEVERITIES = ("ERROR", "WARN")


class SuiteError(ValueError):
    """A suite file that is itself wrong."""


@dataclass(frozen=True)
class Expectation:
    type: str
    kwargs: dict
    criterion: str
    severity: str


@dataclass(frozen=True)
class Suite:
    name: str
    table: str
    expectations: tuple[Expectation, ...]

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


def load_suite(path: Path) -> Suite:
    data = yaml.safe_load(path.read_text())
    if "." not in data.get("table", ""):
        raise SuiteError(f"{path.name}: 'table' must be schema.table.")
    expectations = []
    for item in data.get("expectations", []):
        criterion, severity = item.get("criterion"), item.get("severity")
        if criterion not in CRITERIA:
            raise SuiteError(
                f"{path.name}: {item.get('type')} has criterion {criterion!r}; "
                f"use one of {', '.join(CRITERIA)}."
            )
        if severity not in SEVERITIES:
            raise SuiteError(f"{path.name}: {item.get('type')} needs severity ERROR or WARN.")
        expectations.append(
            Expectation(item["type"], dict(item.get("kwargs", {})), criterion, severity)
        )
    return Suite(name=path.stem, table=data["table"], expectations=tuple(expectations))


@cache
def all_suites(folder: Path | None = None) -> tuple[Suite, ...]:
    folder = folder or environment.expectations_dir() / "suites"
    return tuple(load_suite(path) for path in sorted(folder.glob("*.yml")))


def _expectation_class(name: str):
    import great_expectations as gx

    camel = "".join(part.capitalize() for part in name.split("_"))
    try:
        return getattr(gx.expectations, camel)
    except AttributeError as error:
        raise SuiteError(f"Unknown Great Expectations expectation '{name}'.") from error


def _sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg2://", 1)


def run_suite(url: str, suite: Suite) -> list[Outcome]:
    """Validate the suite's table in the database; one Outcome per expectation."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    source = context.data_sources.add_postgres(
        name="warehouse",
        connection_string=_sqlalchemy_url(url),
        kwargs={"connect_args": {"options": f"-c search_path={suite.schema}"}},
    )
    asset = source.add_table_asset(name=suite.table_name, table_name=suite.table_name)
    batch = asset.add_batch_definition_whole_table("whole_table").get_batch()
    outcomes = []
    for expectation in suite.expectations:
        gx_expectation = _expectation_class(expectation.type)(**expectation.kwargs)
        result = batch.validate(gx_expectation)
        details = result.result or {}
        outcomes.append(
            Outcome(
                expectation=expectation,
                success=bool(result.success),
                unexpected_count=details.get("unexpected_count"),
                observed=details.get("observed_value"),
            )
        )
    return outcomes


def worst_failure(outcomes: list[Outcome]) -> str | None:
    failed = {outcome.expectation.severity for outcome in outcomes if not outcome.success}
    if "ERROR" in failed:
        return "ERROR"
    return "WARN" if failed else None
