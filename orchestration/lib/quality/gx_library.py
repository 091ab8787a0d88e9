"""Great Expectations itself: imported with scipy.stats left until used, and the GX expectation
classes suites name (gx_suites.py compiles the suites; data_docs.py makes the context).

Two patches on pinned libraries' internals are here, each used only with the versions it was
written for (library_patches.py): DEFERRED_SCIPY_STATS and COUNTED_ROW_QUERIES.
"""

import importlib.util
import os
import sys
from collections.abc import Mapping
from functools import cache

from orchestration.lib.library_patches import Patch
from orchestration.lib.quality.suite_files import SuiteError

# What: scipy.stats is put in sys.modules unexecuted (importlib.util.LazyLoader) before GX is
# imported, so it runs on its first attribute access. Why: GX imports scipy.stats at import time
# for distribution expectations (KL divergence, KS tests) that no suite here uses: about 1 s of
# GX's 2.2 s import, paid by every run that validates (docs/benchmarks.md). Versions: scipy 1.17.1
# and great-expectations 1.24.1, the pins; with any other, scipy.stats is imported as GX imports it.
DEFERRED_SCIPY_STATS = Patch(
    "scipy.stats to be imported on first use",
    written_for=("scipy==1.17.1", "great-expectations==1.24.1"),
)

# What: a subclass of GX's UnexpectedRowsExpectation whose private metric_dependencies and
# _validate ask only for the number of unexpected rows (_counted_rows_class). Why: GX's own
# also fetches the rows, so PostgreSQL ran every row query twice even for pass or fail; a
# failure is validated again with GX's own class for its rows (validation.py). Versions:
# great-expectations 1.24.1, the pin; with any other (or without those names) row queries are
# validated with GX's own class.
COUNTED_ROW_QUERIES = Patch(
    "GX's row queries to count their rows for pass or fail without fetching them",
    written_for=("great-expectations==1.24.1",),
    needs=(
        "great_expectations.expectations:UnexpectedRowsExpectation.metric_dependencies",
        "great_expectations.expectations:UnexpectedRowsExpectation._validate",
        "great_expectations.expectations:UnexpectedRowsExpectation._get_result_format",
    ),
)


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


def defer_scipy_stats(installed: Mapping[str, str] | None = None) -> bool:
    """Leave scipy.stats until first used where DEFERRED_SCIPY_STATS applies and it is not
    imported yet; whether it did. `installed`: versions to judge the patch by instead of the
    installed ones (tests)."""
    if "scipy.stats" in sys.modules or not DEFERRED_SCIPY_STATS.applies(installed):
        return False
    _defer_import("scipy.stats")
    return True


@cache
def great_expectations():
    """The great_expectations package, imported with scipy.stats left until first used (where
    DEFERRED_SCIPY_STATS applies): an expectation that needs it still gets it, on first use."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    defer_scipy_stats()
    import great_expectations as gx

    return gx


def expectation_class(name: str):
    gx = great_expectations()
    camel = "".join(part.capitalize() for part in name.split("_"))
    try:
        return getattr(gx.expectations, camel)
    except AttributeError as error:
        raise SuiteError(f"Unknown Great Expectations expectation '{name}'.") from error


def pass_or_fail_rows_class(installed: Mapping[str, str] | None = None):
    """The class a row query is validated with for pass or fail: one that only counts the rows
    where COUNTED_ROW_QUERIES applies, GX's own UnexpectedRowsExpectation otherwise.
    `installed`: versions to judge the patch by instead of the installed ones (tests)."""
    gx = great_expectations()  # before the patch's guard looks into GX (scipy.stats deferred)
    if COUNTED_ROW_QUERIES.applies(installed):
        return _counted_rows_class()
    return gx.expectations.UnexpectedRowsExpectation


@cache
def _counted_rows_class():
    """UnexpectedRowsExpectation that asks only for the number of unexpected rows (see
    COUNTED_ROW_QUERIES)."""
    from typing import ClassVar

    UnexpectedRowsExpectation = great_expectations().expectations.UnexpectedRowsExpectation

    class CountedUnexpectedRows(UnexpectedRowsExpectation):
        metric_dependencies: ClassVar[tuple[str, ...]] = ("unexpected_rows_query.row_count",)

        def _validate(self, metrics, runtime_configuration=None, execution_engine=None):
            count = metrics["unexpected_rows_query.row_count"]
            found = self._get_result_format(runtime_configuration=runtime_configuration)
            if isinstance(found, dict):
                found = found.get("result_format")
            if str(getattr(found, "value", found)) == "BOOLEAN_ONLY":
                return {"success": count == 0}
            # As GX's own reports BASIC and SUMMARY: the count, no rows.
            return {"success": count == 0, "result": {"observed_value": count}}

    return CountedUnexpectedRows
