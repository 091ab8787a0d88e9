"""The loader's quick screen never passes a file the full check would reject.

For every source contract, a clean file is built from its column rules; the screen must pass
it with the same rows and period as the full check. Then a cell of each kind of column (each
distinct set of rules across the contracts) is replaced in turn by each of a list of awkward
values: whenever the full check (check_rows and check_codes) finds a problem, the screen must
have declined the file.
"""

import csv
import io
from datetime import date, timedelta

import pytest

from orchestration.lib import contracts
from orchestration.lib.ingest.reading import read_csv_text
from orchestration.lib.ingest.screening import header_of, screen
from orchestration.lib.ingest.validation import (
    MAX_FIELD_CHARS,
    check_codes,
    check_header,
    check_rows,
    period_of,
)

pytestmark = pytest.mark.unit

TODAY = date(2026, 11, 26)
KNOWN = ["E05007843", "E05007844"]

AWKWARD = [
    "",
    " ",
    "abc",
    "1",
    "0",
    "-1",
    "1.5",
    "-0.5",
    "1.0",
    "1e3",
    "+5",
    " 7",
    "007",
    "99999999999999999999",
    "inf",
    "nan",
    "true",
    "TRUE",
    "yes",
    "2024-02-29",
    "2023-02-29",
    "2024-02-30",
    "2024-2-01",
    "2024-01-15T10:00:00",
    "2024-01-15 10:00:00",
    "2024-01-15 24:00:00",
    "2024-01-15 23:59:60",
    "2024-01-15 10:00",
    "2024-01-15 10:00:00Z",
    "1999-12-31",
    "0000-01-01",
    str(TODAY + timedelta(days=1)),
    str(TODAY + timedelta(days=2)),
    f"{TODAY + timedelta(days=2)} 00:00:00",
    "=1+1",
    "-x",
    "@SUM(A1)",
    "x" * (MAX_FIELD_CHARS + 1),
    "E05007843",
    "E05099999",
    "٢٠٢٤-٠١-١٥",
]


def _valid(column, row: int) -> str:
    if column.allowed:
        return column.allowed[row % len(column.allowed)]
    if column.codes_from:
        return KNOWN[row % len(KNOWN)]
    if column.pattern:  # the only patterns are UPRNs: digits
        return str(100_000 + row)
    low = float(column.min) if isinstance(column.min, int | float) else 1
    return {
        "integer": str(int(low) + row),
        "numeric": f"{low + row + 0.25}",
        "date": f"2024-0{1 + row % 9}-1{row % 10}",
        "timestamp": f"2024-0{1 + row % 9}-1{row % 10} 0{row % 10}:30:00",
        "boolean": ["true", "false"][row % 2],
    }.get(column.type, f"text {row}")


def _text(contract, rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([contract.column_names, *rows])
    return out.getvalue()


def _clean_rows(contract, count: int = 5) -> list[list[str]]:
    return [[_valid(column, row) for column in contract.columns] for row in range(count)]


def _known(contract) -> dict[str, set[str]]:
    return {column.name: set(KNOWN) for column in contract.columns if column.codes_from}


def _full_check_problems(contract, text: str):
    header, frame = read_csv_text(text)
    problems = check_header(header, contract)
    if problems:
        return problems
    frame = frame[contract.column_names]
    return check_rows(frame, contract, today=TODAY, text=text) + check_codes(
        contract, frame, _known(contract)
    )


def _screen(contract, text: str):
    return screen(text, header_of(text), contract, _known(contract), TODAY)


CONTRACTS = sorted(contracts.all_contracts().values(), key=lambda contract: contract.source)


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda contract: contract.source)
def test_a_clean_file_passes_with_the_full_checks_rows_and_period(contract):
    text = _text(contract, _clean_rows(contract))
    assert _full_check_problems(contract, text) == []
    screened = _screen(contract, text)
    assert screened is not None
    _, frame = read_csv_text(text)
    assert screened.rows == len(frame)
    assert screened.period == period_of(frame, contract)


def _column_kinds() -> list[tuple]:
    """One (contract, column) for each distinct set of column rules across the contracts."""
    kinds = {}
    for contract in CONTRACTS:
        for position, column in enumerate(contract.columns):
            rules = (column.type, column.required, column.allowed, column.min, column.max)
            rules += (column.pattern,)
            rules += (column.codes_from is not None, column.name == contract.period_column)
            rules += (column.name in contract.primary_key,)
            kinds.setdefault(rules, (contract, position))
    return list(kinds.values())


@pytest.mark.parametrize(
    ("contract", "position"),
    _column_kinds(),
    ids=lambda value: value.source if hasattr(value, "source") else str(value),
)
def test_whatever_the_full_check_rejects_the_screen_declines(contract, position):
    rejected = 0
    for value in AWKWARD:
        rows = _clean_rows(contract)
        rows[2][position] = value
        text = _text(contract, rows)
        if _full_check_problems(contract, text):
            rejected += 1
            assert _screen(contract, text) is None, (contract.columns[position].name, value)
    assert rejected >= 5  # the list holds enough values wrong for any column


def test_a_duplicate_key_a_short_line_or_no_rows_is_declined():
    contract = contracts.get("crm_contacts")
    rows = _clean_rows(contract)
    duplicate = _text(contract, [*rows, rows[0]])
    short = _text(contract, rows) + ",".join(rows[0][:-1]) + "\n"
    for text in (duplicate, short, _text(contract, [])):
        assert _screen(contract, text) is None
    assert _screen(contract, _text(contract, rows)) is not None
