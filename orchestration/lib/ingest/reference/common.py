"""Shared mechanics for the reference parsers: reading official CSVs, periods, typing."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from orchestration.lib.ingest.reference.errors import ReferenceFormatError

OGL = "Open Government Licence v3.0"

# The tidy shape shared by the published-statistics tables (stats_*).
SERIES_COLUMNS: dict[str, str] = {
    "area_code": "text",
    "area_name": "text",
    "period_start": "date",
    "period_end": "date",
    "series": "text",
    "value": "numeric",
}

# Markers the publishers use for "not available", "suppressed" or "not applicable".
MISSING_MARKERS = frozenset({"", ":", "..", "-", "x", "[x]", "[c]", "[z]"})

# Council codes: unitary (E06), non-metropolitan district (E07), metropolitan district (E08),
# London borough (E09), county (E10). National (E92) and regional (E12) totals are not councils.
_COUNCIL_CODE = re.compile(r"^E(0[6-9]|10)\d{6}$")
_FINANCIAL_YEAR = re.compile(r"^\s*(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*$")
_QUARTER_END = re.compile(r"^\s*(\d{4})-(\d{2})\s*$")


def require_file(reference_dir: Path, relative_path: str) -> Path:
    path = Path(reference_dir) / relative_path
    if not path.is_file():
        raise ReferenceFormatError(
            f"Reference file {relative_path} is missing from {reference_dir}."
        )
    return path


def read_header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return next(csv.reader(handle), [])


def read_official_csv(
    reference_dir: Path,
    relative_path: str,
    expected_columns: Sequence[str],
) -> pd.DataFrame:
    """Read the expected columns of an official CSV as text, after checking its header.

    Everything is read as text on purpose: the publishers mix numbers with markers such as
    ":" and "..", which `to_number` turns into missing values.
    """
    path = require_file(reference_dir, relative_path)
    header = read_header(path)
    missing = [column for column in expected_columns if column not in header]
    if missing:
        shown = ", ".join(repr(column) for column in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise ReferenceFormatError(
            f"Reference file {relative_path} does not have the official header: "
            f"column(s) {shown}{more} are missing or renamed."
        )
    frame = pd.read_csv(
        path,
        usecols=list(expected_columns),
        dtype=dict.fromkeys(expected_columns, str),
        keep_default_na=False,
        encoding="utf-8-sig",
    )
    if frame.empty:
        raise ReferenceFormatError(f"Reference file {relative_path} has a header but no rows.")
    return frame


def to_number(values: pd.Series, relative_path: str, column: str) -> pd.Series:
    """Numbers as float; publisher markers become NaN; anything else is a format error."""
    text = values.astype(str).str.strip().str.replace(",", "", regex=False)
    text = text.where(~text.isin(MISSING_MARKERS))
    numbers = pd.to_numeric(text, errors="coerce")
    bad = text.notna() & numbers.isna()
    if bad.any():
        example = values[bad].iloc[0]
        raise ReferenceFormatError(
            f"Reference file {relative_path} has a non-numeric value {example!r} "
            f"in column {column!r}."
        )
    return numbers.astype("float64")


def financial_year_bounds(label: str) -> tuple[date, date]:
    """'2015/16', '2015-16' or '2015-2016' -> (1 April 2015, 31 March 2016)."""
    match = _FINANCIAL_YEAR.match(str(label))
    if not match:
        raise ReferenceFormatError(f"{label!r} is not a financial year such as 2015-16.")
    start_year = int(match.group(1))
    end_suffix = match.group(2)
    if int(end_suffix) % 100 != (start_year + 1) % 100:
        raise ReferenceFormatError(f"{label!r} is not a financial year such as 2015-16.")
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)


def quarter_bounds(quarter_end: str) -> tuple[date, date]:
    """'2018-06' (the last month of a calendar quarter) -> (1 April 2018, 30 June 2018)."""
    match = _QUARTER_END.match(str(quarter_end))
    if not match or int(match.group(2)) not in (3, 6, 9, 12):
        raise ReferenceFormatError(f"{quarter_end!r} is not a quarter-end month such as 2018-06.")
    year, end_month = int(match.group(1)), int(match.group(2))
    start = date(year, end_month - 2, 1)
    end = (pd.Timestamp(year, end_month, 1) + pd.offsets.MonthEnd(0)).date()
    return start, end


def is_council_code(codes: pd.Series) -> pd.Series:
    return codes.astype(str).str.strip().str.match(_COUNCIL_CODE)


def snake_case(label: str) -> str:
    text = label.replace("£", "gbp").replace("1,000", "1000").replace("+", "_plus")
    text = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    return re.sub(r"_+", "_", text)


def wide_to_series(
    frame: pd.DataFrame,
    id_columns: Sequence[str],
    value_columns: Mapping[str, str],
    relative_path: str,
) -> pd.DataFrame:
    """Melt official value columns to (id..., series, value), series named by value_columns."""
    long = frame.melt(
        id_vars=list(id_columns),
        value_vars=list(value_columns),
        var_name="column",
        value_name="raw_value",
    )
    long["series"] = long["column"].map(value_columns)
    long["value"] = to_number(long["raw_value"], relative_path, "value")
    return long.drop(columns=["column", "raw_value"])


def add_financial_year(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    bounds = {label: financial_year_bounds(label) for label in frame[column].unique()}
    frame["period_start"] = frame[column].map(lambda label: bounds[label][0])
    frame["period_end"] = frame[column].map(lambda label: bounds[label][1])
    return frame


def conform(frame: pd.DataFrame, columns: Mapping[str, str], table: str) -> pd.DataFrame:
    """Select the output columns in order and give each its declared type."""
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise ReferenceFormatError(f"Parser for {table} did not produce column(s) {missing}.")
    result = frame[list(columns)].copy()
    for name, kind in columns.items():
        result[name] = _cast(result[name], kind)
    return result.reset_index(drop=True)


def _cast(values: pd.Series, kind: str) -> pd.Series:
    if kind == "text":
        return values.astype("str").str.strip()
    if kind == "date":
        return pd.to_datetime(values).astype("datetime64[us]")
    if kind == "integer":
        return values.astype("int64")
    if kind == "numeric":
        return values.astype("float64")
    raise ValueError(f"Unknown column type {kind!r}.")


def check_unique(frame: pd.DataFrame, key: Iterable[str], relative_path: str) -> None:
    key = list(key)
    duplicated = frame.duplicated(key, keep=False)
    if duplicated.any():
        example = frame.loc[duplicated, key].iloc[0].to_dict()
        raise ReferenceFormatError(
            f"Reference file {relative_path} gives more than one value for {example}."
        )
