"""Check a landing file's rows against its source contract, vectorised with pandas.

Every problem is reported as (row, column, value, what is wrong) so an officer can fix the file.
Row numbers are the file's line numbers (the header is line 1).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from orchestration.lib.contracts import Column, Contract
from orchestration.lib.csvsafe import FORMULA_STARTS

MAX_FIELD_CHARS = 10_000
MAX_REPORTED = 200
# Spreadsheet formula injection: a cell that starts like a formula (the starts the CSVs written
# here are guarded against: = + - @ tab CR), but for - followed by a digit (a negative number).
FORMULA = re.compile("^(?!-[0-9.])[" + re.escape("".join(FORMULA_STARTS)) + "]")
# A CSV cell starts the file or follows a comma, a line break or an opening quote. Searching
# the file's text for those starts (literal-prefix searches, in C) finds every cell that could
# start like a formula; when none is found, no cell needs the per-cell check.
CELL_STARTS = [re.compile(re.escape(sep) + FORMULA.pattern[1:]) for sep in (",", "\n", '"')]

BOOLEANS = {"true": True, "false": False}
# A time followed by a zone: Z, +01, +0100 or +01:00.
ZONE_SUFFIX = r"[0-9]:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]*)?)? *(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)$"


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str | None
    value: str | None
    message: str

    def as_line(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        shown = "" if self.value is None else f" (value {self.value[:60]!r})"
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}{shown}" if prefix else f"{self.message}{shown}"


def may_be_absent(contract: Contract) -> set[str]:
    """The columns a file may leave out of its header altogether (they load as NULL): those
    the contract lists under `optional_columns`, e.g. times that only some systems record.
    Every other column must be in the header, even one whose values may be empty, so a
    column lost from an export is refused rather than loaded as empty."""
    return {name for name in contract.optional_columns if not contract.column(name).required}


def check_header(header: list[str], contract: Contract) -> list[Problem]:
    problems = []
    expected = contract.column_names
    seen = set()
    for name in header:
        if name in seen:
            problems.append(Problem(1, name, None, "column appears twice in the header"))
        seen.add(name)
    absent_allowed = may_be_absent(contract)
    missing = [name for name in expected if name not in seen and name not in absent_allowed]
    extra = [name for name in header if name not in expected]
    for name in missing:
        hint = f"; the file has '{extra[0]}' instead?" if len(extra) == 1 == len(missing) else ""
        problems.append(Problem(1, name, None, f"required column is missing{hint}"))
    for name in extra:
        problems.append(Problem(1, name, None, f"column is not in the {contract.source} contract"))
    return problems


def _line_numbers(mask: pd.Series) -> list[int]:
    return [int(index) + 2 for index in mask[mask].index[:MAX_REPORTED]]


def _problems(values: pd.Series, mask: pd.Series, column: str, message: str) -> list[Problem]:
    lines = _line_numbers(mask)
    return [Problem(line, column, values.iloc[line - 2], message) for line in lines]


def _check_number(values: pd.Series, column: Column, present: pd.Series) -> list[Problem]:
    parsed = pd.to_numeric(values.where(present), errors="coerce")
    problems = _problems(values, present & parsed.isna(), column.name, "is not a number")
    if column.type == "integer":
        fractional = present & parsed.notna() & (parsed % 1 != 0)
        problems += _problems(values, fractional, column.name, "is not a whole number")
    if column.min is not None:
        below = present & (parsed < float(column.min))
        problems += _problems(values, below, column.name, f"is below the minimum {column.min}")
    if column.max is not None:
        above = present & (parsed > float(column.max))
        problems += _problems(values, above, column.name, f"is above the maximum {column.max}")
    return problems


def _check_moment(
    values: pd.Series, column: Column, present: pd.Series, today: date
) -> list[Problem]:
    fmt = "%Y-%m-%d" if column.type == "date" else "ISO8601"
    # Local times only (the column is a timestamp without zone): a zone suffix is invalid,
    # and left out of the parse, which refuses a mix of zones outright.
    parseable = present
    if column.type == "timestamp":
        parseable = present & ~values.str.contains(ZONE_SUFFIX)
    parsed = pd.to_datetime(values.where(parseable), format=fmt, errors="coerce")
    if column.type == "date":
        shape = values.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
        parsed = parsed.where(shape)
    label = "date (YYYY-MM-DD)" if column.type == "date" else "date and time (YYYY-MM-DD HH:MM:SS)"
    problems = _problems(values, present & parsed.isna(), column.name, f"is not a valid {label}")
    future = present & (parsed > pd.Timestamp(today + timedelta(days=1)))
    problems += _problems(values, future, column.name, "is in the future")
    if column.min is not None:
        early = present & (parsed < pd.Timestamp(str(column.min)))
        problems += _problems(values, early, column.name, f"is before {column.min}")
    return problems


def may_hold_long_cell(text: str) -> bool:
    """A cell is no longer than the file's longest line, unless quotes let it span lines."""
    return '"' in text or max(map(len, text.split("\n"))) > MAX_FIELD_CHARS


BLANK_LINE = re.compile(r"\n\r?\n")


def has_blank_line(text: str) -> bool:
    """A blank line (LF or CRLF) before, between or after the rows: the parsers skip it, COPY
    would not (it reads the line as a row of missing values)."""
    return BLANK_LINE.search(text) is not None or text.startswith(("\n", "\r\n"))


def may_hold_formula(text: str) -> bool:
    return FORMULA.match(text) is not None or any(p.search(text) for p in CELL_STARTS)


def check_rows(
    frame: pd.DataFrame, contract: Contract, today: date | None = None, text: str | None = None
) -> list[Problem]:
    """All problems with the rows; an empty list means the file may be loaded.

    `text` is the CSV the frame was read from, when there is one (it speeds the formula check).
    """
    today = today or datetime.now().date()
    formulas_possible = text is None or may_hold_formula(text)
    long_cells_possible = text is None or may_hold_long_cell(text)
    problems: list[Problem] = []
    if frame.empty:
        return [Problem(None, None, None, "the file has a header but no rows")]
    for column in contract.columns:
        values = frame[column.name]
        present = values != ""
        if column.required:
            problems += _problems(values, ~present, column.name, "is empty but required")
        if long_cells_possible and (too_long := values.str.len() > MAX_FIELD_CHARS).any():
            problems += _problems(
                values.str.slice(0, 40),
                too_long,
                column.name,
                f"is longer than {MAX_FIELD_CHARS:,} characters",
            )
        if column.type in ("integer", "numeric"):
            problems += _check_number(values, column, present)
        elif column.type in ("date", "timestamp"):
            problems += _check_moment(values, column, present, today)
        elif column.type == "boolean":
            bad = present & ~values.str.lower().isin(list(BOOLEANS))
            problems += _problems(values, bad, column.name, "is not true or false")
        elif formulas_possible:
            # The regex only on the few values that start with a risky character.
            risky = values.str.startswith(FORMULA_STARTS)
            if risky.any():
                risky &= values.str.contains(FORMULA)
            problems += _problems(
                values,
                risky,
                column.name,
                "starts like a spreadsheet formula (= + @ or - not followed by a digit)",
            )
        if column.pattern:
            unmatched = present & ~values.str.fullmatch(column.pattern)
            hint = column.pattern_hint or f"does not match the pattern {column.pattern}"
            problems += _problems(values, unmatched, column.name, hint)
        if column.allowed:
            unknown = present & ~values.isin(column.allowed)
            problems += _problems(
                values, unknown, column.name, f"is not an allowed code for {column.name}"
            )
    if contract.primary_key:
        key = list(contract.primary_key)
        duplicated = frame.duplicated(subset=key, keep="first")
        problems += _problems(
            frame[key[0]], duplicated, ",".join(key), "duplicates an earlier row's key"
        )
    return problems


def check_codes(
    contract: Contract, frame: pd.DataFrame, known: dict[str, set[str]]
) -> list[Problem]:
    """Rows whose codes are not among the `known` codes of their column."""
    problems: list[Problem] = []
    for name, codes in known.items():
        column = contract.column(name)
        values = frame[column.name]
        unknown = (values != "") & ~values.isin(codes)
        for index in unknown[unknown].index[:MAX_REPORTED]:
            problems.append(
                Problem(
                    int(index) + 2,
                    column.name,
                    values[index],
                    f"is not a known code in {column.codes_from}",
                )
            )
    return problems


def period_of(frame: pd.DataFrame, contract: Contract) -> tuple[date | None, date | None]:
    """The months a file covers: first day of its earliest month to last day of its latest."""
    if not contract.period_column:
        return None, None
    moments = pd.to_datetime(frame[contract.period_column], errors="coerce").dropna()
    if moments.empty:
        return None, None
    return months_spanned(moments.min(), moments.max())


def months_spanned(first, last) -> tuple[date, date]:
    """First day of the earliest moment's month to the last day of the latest's."""
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    end = pd.Timestamp(last.year, last.month, 1) + pd.offsets.MonthEnd(1)
    return date(first.year, first.month, 1), end.date()
