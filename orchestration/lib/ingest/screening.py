"""A quick screen of a CSV landing file, parsed and checked in Arrow (compiled, no Python per cell).

The screen answers only "certainly clean" or "look closer". Every rule here is the rule of
validation.check_rows or stricter, so a file it passes would pass check_rows too; any other
file goes to the full check, which decides and says what is wrong and where. Most files are
clean, so most never pay for pandas and the per-cell checks (docs/benchmarks.md).
"""

import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from orchestration.lib.contracts import Column, Contract
from orchestration.lib.ingest.validation import (
    has_blank_line,
    may_hold_formula,
    may_hold_long_cell,
    months_spanned,
)

# Only the plainest spellings pass; anything else (1e3, +5, 2024-01-01T10:00Z...) is left to
# check_rows, which may still accept it.
PLAIN = {
    "integer": r"^-?[0-9]+$",
    "numeric": r"^-?[0-9]+(?:\.[0-9]+)?$",
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "timestamp": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}$",
}
BOOLEANS = pa.array(["true", "false"])


@dataclass(frozen=True)
class Screened:
    rows: int
    period: tuple[date | None, date | None]


class _LookCloser(Exception):
    """Something the screen cannot vouch for."""


def _require(condition) -> None:
    if not condition:
        raise _LookCloser


def _all(mask: pa.ChunkedArray) -> bool:
    return pc.all(mask).as_py() is not False


def _moments(values: pa.ChunkedArray, column: Column, today: date) -> pa.ChunkedArray:
    """The values as dates or timestamps (strict ISO: no 30 February, no 24:00)."""
    kind = pa.date32() if column.type == "date" else pa.timestamp("s")
    try:
        moments = pc.cast(values, kind)
    except pa.ArrowInvalid as error:
        raise _LookCloser from error
    bounds = pc.min_max(moments).as_py()
    if bounds["max"] is not None:
        latest = pd.Timestamp(bounds["max"])
        _require(latest <= pd.Timestamp(today + timedelta(days=1)))
        if column.min is not None:
            _require(pd.Timestamp(bounds["min"]) >= pd.Timestamp(str(column.min)))
    return moments


def _check_column(values: pa.ChunkedArray, column: Column, today: date):
    """The column's own rules; returns its dates or timestamps when it has them."""
    present = pc.not_equal(values, "")
    if column.required:
        _require(_all(present))
    elif not _all(present):
        values = pc.filter(values, present)
    if column.allowed:
        _require(_all(pc.is_in(values, value_set=pa.array(column.allowed))))
    if column.pattern:
        _require(_all(pc.match_substring_regex(values, f"^(?:{column.pattern})$")))
    if column.type == "boolean":
        _require(_all(pc.is_in(pc.utf8_lower(values), value_set=BOOLEANS)))
    if column.type not in PLAIN:
        return None
    _require(_all(pc.match_substring_regex(values, PLAIN[column.type])))
    if column.type in ("date", "timestamp"):
        return _moments(values, column, today)
    if column.min is not None or column.max is not None:
        numbers = pc.cast(values, pa.float64())
        bounds = pc.min_max(numbers).as_py()
        if bounds["min"] is not None:
            _require(column.min is None or bounds["min"] >= float(column.min))
            _require(column.max is None or bounds["max"] <= float(column.max))
    return None


def _period(moments) -> tuple[date | None, date | None]:
    """As validation.period_of, from the period column's dates or timestamps."""
    bounds = pc.min_max(moments).as_py() if moments is not None else {"min": None}
    if bounds["min"] is None:
        return None, None
    return months_spanned(bounds["min"], bounds["max"])


def screen(
    text: str,
    header: list[str],
    contract: Contract,
    known_codes: dict[str, set[str]],
    today: date,
) -> Screened | None:
    """The file's row count and period when it is certainly clean, else None.

    `header` is the file's own header (already checked against the contract), `known_codes`
    the codes each codes_from column may hold (validation of check_codes).
    """
    if may_hold_formula(text) or may_hold_long_cell(text) or has_blank_line(text):
        return None  # formulas, quoted or long cells, blank lines: the full check's business
    try:
        table = pv.read_csv(
            io.BytesIO(text.encode()),
            convert_options=pv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        _require(table.num_rows > 0)
        _require([name.strip() for name in table.column_names] == header)
        period = (None, None)
        for column in contract.columns:
            if column.name not in header:
                continue  # a column the file may leave out (check_header): NULL when loaded
            values = table.column(header.index(column.name))
            moments = _check_column(values, column, today)
            if column.name == contract.period_column:
                period = _period(moments) if column.type in ("date", "timestamp") else None
            if column.name in known_codes:
                known = pa.array(sorted(known_codes[column.name]), pa.string())
                present = pc.filter(values, pc.not_equal(values, ""))
                _require(_all(pc.is_in(present, value_set=known)))
        if contract.primary_key:
            keys = [header.index(name) for name in contract.primary_key]
            distinct = table.select(keys).group_by(list(contract.primary_key)).aggregate([])
            _require(distinct.num_rows == table.num_rows)
    except (_LookCloser, pa.ArrowInvalid, ValueError, OverflowError):
        return None  # ValueError, OverflowError: a moment Python's dates cannot hold (year 0)
    if period is None:
        return None  # a period column of text: validation.period_of decides
    return Screened(table.num_rows, period)


_HEADER_SPLIT = re.compile(r"\r?\n")


def header_of(text: str) -> list[str] | None:
    """The first line's column names (stripped), when the line is plain (no quotes)."""
    first = _HEADER_SPLIT.split(text, maxsplit=1)[0]
    if '"' in first:
        return None
    return [name.strip() for name in first.split(",")]
