"""What a suite run found: an Outcome per expectation, with its evidence, and the worst severity
that failed."""

from dataclasses import dataclass, field, replace

from orchestration.lib.quality.expectations import UNEXPECTED_ROWS, Expectation
from orchestration.lib.quality.suite_files import Suite

MAX_ROWS = 10000  # a failure's rows kept for the results store


@dataclass(frozen=True)
class Outcome:
    expectation: Expectation
    success: bool
    unexpected_count: int | None
    observed: object
    rows: tuple[dict, ...] = ()
    error: str = ""
    rows_complete: bool = False  # `rows` are every unexpected row, not a sample

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


@dataclass
class SuiteRun:
    suite: Suite
    outcomes: list[Outcome]
    gx_result: object = field(default=None, repr=False)
    scope: str = "whole table"
    run_id: str = ""  # audit.quality_runs.run_id, once recorded
    page: str = ""  # the file:// URL of its Data Docs page, once built

    @property
    def success(self) -> bool:
        return all(outcome.success for outcome in self.outcomes)


def passed(expectation: Expectation) -> Outcome:
    observed = 0 if expectation.type == UNEXPECTED_ROWS else None
    return Outcome(expectation=expectation, success=True, unexpected_count=0, observed=observed)


def table_missing(suite: Suite) -> Outcome:
    expectation = Expectation(
        "expect_table_row_count_to_be_between",
        {"min_value": 0},
        "timely",
        "WARN",
        id="table_exists",
        description=f"{suite.table} exists.",
    )
    return Outcome(expectation, False, None, None, error=f"{suite.table} does not exist yet")


def from_gx_result(expectation: Expectation, item_result, severity: str | None = None) -> Outcome:
    """The Outcome of GX's ExpectationValidationResult of one expectation; `severity`: ERROR or
    WARN as the result's native GX severity says (the expectation's own by default)."""
    if severity and severity != expectation.severity:
        expectation = replace(expectation, severity=severity)
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
    rows = (
        (details.get("details") or {}).get("unexpected_rows")
        or details.get("partial_unexpected_index_list")
        or []
    )
    rows = [dict(row) for row in rows[:MAX_ROWS]] if not item_result.success else []
    return Outcome(
        expectation=expectation,
        success=bool(item_result.success),
        unexpected_count=unexpected,
        observed=observed,
        rows=tuple(rows),
        error=error,
        rows_complete=unexpected is not None and len(rows) == unexpected,
    )


def worst_failure(outcomes: list[Outcome]) -> str | None:
    failed = {outcome.expectation.severity for outcome in outcomes if not outcome.success}
    if "ERROR" in failed:
        return "ERROR"
    return "WARN" if failed else None
