"""CSV that is safe to open in a spreadsheet and reads back exactly.

Text cells that a spreadsheet would run as a formula (starting = + - @ tab or CR) get a leading
apostrophe; so do cells that already start with one, which makes `unguard` an exact inverse.
Real numbers (including negatives) are left alone. FORMULA_STARTS is the one definition of a
cell that starts like a formula: landing files with such cells are refused at intake too
(ingest/validation.py).
"""

from __future__ import annotations

import csv
import io
import re

NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A leading apostrophe is guarded too, so that `unguard` is an exact inverse.
GUARDED_STARTS = (*FORMULA_STARTS, "'")


def guard(cell: str) -> str:
    if cell and not NUMBER.match(cell) and cell.startswith(GUARDED_STARTS):
        return "'" + cell
    return cell


def unguard(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def to_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    return str(cell)


def dumps(rows: list[dict], columns: list[str]) -> str:
    """Rows as CSV text: fixed column order, CRLF line ends, every text cell guarded."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; quotes cells holding CR
    writer.writerow(columns)
    for row in rows:
        writer.writerow([guard(to_text(row.get(column))) for column in columns])
    return out.getvalue()


def loads(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return [{key: unguard(value) for key, value in row.items()} for row in reader]
