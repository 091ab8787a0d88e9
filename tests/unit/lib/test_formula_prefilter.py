"""The one-pass formula prefilter never misses a cell the per-cell check would reject."""

import csv
import io

import pytest

from orchestration.lib.validation import FORMULA, may_hold_formula

pytestmark = pytest.mark.unit

RISKY = ['=HYPERLINK("x")', "+cmd", "@SUM(A1)", "-x", "\tTAB", "=1+1"]
SAFE = ["-12.5", "-.5", "2026-04-01", "plain text", "a=b", "x - y", ""]


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize("value", RISKY)
@pytest.mark.parametrize("position", [0, 1, 2])
@pytest.mark.parametrize("first_line", [True, False])
def test_a_risky_cell_anywhere_in_the_file_is_found(value, position, first_line):
    row = ["C-1", "phone", "done"]
    row[position] = value
    rows = [row, ["C-0", "web", "x"]] if first_line else [["a", "b", "c"], ["C-0", "web", "x"], row]
    assert FORMULA.match(value)
    assert may_hold_formula(_csv(rows))


def test_a_file_of_safe_cells_passes_the_prefilter():
    rows = [["a", "b", "c"]] + [
        [SAFE[i % len(SAFE)], SAFE[(i + 3) % len(SAFE)], "ok"] for i in range(30)
    ]
    assert not any(FORMULA.match(value) for value in SAFE if value)
    assert not may_hold_formula(_csv(rows))
