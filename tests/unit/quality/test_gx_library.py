"""The two patches on Great Expectations' side: row queries counted for pass or fail, and
scipy.stats left until used. Each with the pinned versions, and GX's own behaviour with others."""

import subprocess
import sys

import pytest

from orchestration.lib.library_patches import PatchSkippedWarning
from orchestration.lib.quality import gx_library

pytestmark = pytest.mark.unit


def test_the_pinned_gx_counts_a_row_querys_rows_without_fetching_them():
    own = gx_library.great_expectations().expectations.UnexpectedRowsExpectation
    assert "unexpected_rows_query.table" in own.metric_dependencies  # GX's own fetches the rows
    counted = gx_library.pass_or_fail_rows_class()
    assert issubclass(counted, own) and counted is not own
    assert counted.metric_dependencies == ("unexpected_rows_query.row_count",)
    expectation = counted(unexpected_rows_query="select * from {batch} where false")
    boolean = {"result_format": {"result_format": "BOOLEAN_ONLY"}}
    assert expectation._validate({"unexpected_rows_query.row_count": 0}, boolean) == {
        "success": True
    }
    assert expectation._validate({"unexpected_rows_query.row_count": 3}, boolean) == {
        "success": False
    }
    # As GX's own reports BASIC: the count as the observed value, no rows.
    basic = {"result_format": {"result_format": "BASIC", "partial_unexpected_count": 0}}
    assert expectation._validate({"unexpected_rows_query.row_count": 3}, basic) == {
        "success": False,
        "result": {"observed_value": 3},
    }


def test_another_gx_validates_row_queries_with_its_own_class():
    own = gx_library.great_expectations().expectations.UnexpectedRowsExpectation
    with pytest.warns(PatchSkippedWarning, match="great-expectations 1.25.0 is installed"):
        found = gx_library.pass_or_fail_rows_class({"great-expectations": "1.25.0"})
    assert found is own


SCIPY_SCRIPT = """
import sys, warnings
from orchestration.lib.quality import gx_library
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    assert not gx_library.defer_scipy_stats({"scipy": "1.18.0"})
print(caught[0].message)
import great_expectations
print("scipy.stats._stats_py" in sys.modules)
"""


def test_another_scipy_is_imported_as_gx_imports_it():
    """The pinned versions' deferral: test_freshness_and_suites.py (its first-use test)."""
    assert gx_library.DEFERRED_SCIPY_STATS.applies()
    # A fresh interpreter: this one may have imported scipy.stats already.
    result = subprocess.run(
        [sys.executable, "-c", SCIPY_SCRIPT], capture_output=True, text=True, check=True
    )
    warning, imported = result.stdout.splitlines()
    assert warning.startswith("Not patching scipy.stats to be imported on first use: scipy 1.18")
    assert imported == "True"
