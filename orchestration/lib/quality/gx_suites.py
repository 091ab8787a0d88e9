"""The YAML suites as native Great Expectations 1.x ExpectationSuites.

Each expectation is GX's own class with its kwargs, its description, GX's native `severity`
(ERROR -> "critical", WARN -> "warning") and, in its `meta`, what GX has no field for: the rule
id results and waivers name, the criterion it evidences, who owns it, what to do when it fails
and the relations it reads. The suite's own `meta` says which table it checks, in words and by
name, and who owns it. So the suites open in any GX 1.x tool:

    suite = compile_suite(suite_files.all_suites()[0])
    json.dumps(suite.to_json_dict())

and a validation result carries all an officer needs to act on a failure.
"""

from orchestration.lib.quality import gx_library
from orchestration.lib.quality.expectations import (
    GX_SEVERITY,
    SEVERITY_FROM_GX,
    UNEXPECTED_ROWS,
    Expectation,
)
from orchestration.lib.quality.suite_files import Suite


def expectation_meta(expectation: Expectation) -> dict:
    return {
        "rule_id": expectation.check_id,
        "criterion": expectation.criterion,
        "owner": expectation.owner,
        "what_to_do": expectation.what_to_do,
        "requires": list(expectation.requires),
    }


def native_expectation(expectation: Expectation, *, counted: bool = False):
    """GX's own expectation for `expectation`; `counted`: a row query that only counts its rows
    (gx_library.COUNTED_ROW_QUERIES), for the pass-or-fail run."""
    make = (
        gx_library.pass_or_fail_rows_class()
        if counted
        else gx_library.expectation_class(expectation.type)
    )
    return make(
        **expectation.kwargs,
        severity=GX_SEVERITY[expectation.severity],
        meta=expectation_meta(expectation),
        description=expectation.description or None,
    )


def suite_meta(suite: Suite) -> dict:
    return {
        "table": suite.table,
        "title": suite.title,
        "owner": suite.owner,
        "contract": suite.contract or None,
        "incremental": suite.incremental,
    }


def compile_suite(
    suite: Suite,
    expectations: list[Expectation] | None = None,
    *,
    counted_rows: bool = False,
):
    """The native ExpectationSuite of `suite` (or of some of its `expectations`); with
    `counted_rows`, its row queries only count their rows (the pass-or-fail run)."""
    gx = gx_library.great_expectations()
    chosen = suite.expectations if expectations is None else expectations
    return gx.ExpectationSuite(
        name=suite.name,
        expectations=[
            native_expectation(item, counted=counted_rows and item.type == UNEXPECTED_ROWS)
            for item in chosen
        ],
        meta=suite_meta(suite),
    )


def severity_of(configuration) -> str:
    """ERROR or WARN from a GX expectation configuration's native severity."""
    severity = getattr(configuration.severity, "value", configuration.severity)
    return SEVERITY_FROM_GX[str(severity)]
