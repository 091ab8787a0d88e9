"""The one-pass prefilters (formula starts, long cells) miss nothing the cell checks reject."""

import csv
import io

import pytest

from orchestration.lib.ingest.validation import FORMULA, may_hold_formula

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


HEADER = "contact_id,council_code,received_at,channel,service,demand_type,failure_type,uprn,"
HEADER += "resolved_at_first_point,team"


@pytest.mark.parametrize("quoted", [False, True])
def test_a_cell_over_the_limit_is_reported_with_or_without_quotes(quoted):
    from orchestration.lib import contracts
    from orchestration.lib.ingest.reading import read_csv_text
    from orchestration.lib.ingest.validation import MAX_FIELD_CHARS, check_rows

    long_cell = "x" * (MAX_FIELD_CHARS + 1)
    if quoted:  # a quoted cell may span lines, each shorter than the limit
        long_cell = '"' + "\n".join(["y" * 4000] * 3) + '"'
    row = f"CRM-1,E07000234,2026-01-05 10:00:00,web,benefits,value,,100120042469,true,{long_cell}"
    text = f"{HEADER}\n{row}\n"
    _, frame = read_csv_text(text)
    problems = check_rows(frame, contracts.get("crm_contacts"), text=text)
    assert [(p.row, p.column) for p in problems if "longer than" in p.message] == [(2, "team")]
