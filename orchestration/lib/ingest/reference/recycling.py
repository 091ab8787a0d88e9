"""Defra ENV18 household waste recycling rate (Ex NI192) and LA collected waste tonnages."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from orchestration.lib.ingest.reference.common import (
    SERIES_COLUMNS,
    add_financial_year,
    check_unique,
    conform,
    is_council_code,
    read_official_csv,
    snake_case,
    to_number,
    wide_to_series,
)
from orchestration.lib.ingest.reference.errors import ReferenceFormatError

TABLE = "stats_recycling"
RATE_FILE = "performance/defra_env18_household_waste_recycling_rate_2015-16_to_2023-24_worcs.csv"
TONNAGES_FILE = "performance/defra_env18_la_collected_waste_tonnages_2014-15_to_2017-18_worcs.csv"
FILES = (RATE_FILE, TONNAGES_FILE)
COLUMNS = SERIES_COLUMNS

RATE_SERIES = "household_waste_recycling_rate_pct"
RATE_HEADER = ("area_code", "area_name", "period", "indicator", "measure", "unit", "value")
RATE_INDICATOR = "Waste Reused/Recycled/Composted"
TONNAGE_ID_COLUMNS = ("Financial Year", "ONS Code", "Local Authority", "Authority type")
TONNAGE_COLUMNS = (
    "Total local authority collected waste (tonnes)",
    "Household - total waste (tonnes)",
    "Household - waste sent for recycling/composting/reuse (tonnes)",
    "Household dry recycling/reuse (tonnes)",
    "Household green recycling/reuse (tonnes)",
    "Household - waste not sent for recycling (tonnes)",
    "Household - regular collection (not recycled) (tonnes)",
    "Household - civic amenity sites (not recycled) (tonnes)",
    "Household - other sources (not recycled) (tonnes)",
    "Household - estimated rejects (tonnes)",
    "Non-household - total waste (tonnes)",
    "Non-household - waste sent for recycling/composting/reuse (tonnes)",
    # The trailing space is in the published header.
    "Non-household - waste not sent for recycling (tonnes) ",
    "Non-household - estimated rejects (tonnes)",
    "Local authority collected waste - sent for recycling/composting/reuse (tonnes)",
    "Local authority collected waste - not sent for recycling (tonnes)",
    "Local authority collected - estimated rejects (tonnes)",
)


def tonnage_series_name(official_column: str) -> str:
    """'Household - total waste (tonnes)' -> 'household_total_waste_tonnes'."""
    return snake_case(official_column)


def _rates(reference_dir: Path) -> pd.DataFrame:
    raw = read_official_csv(reference_dir, RATE_FILE, RATE_HEADER)
    raw = raw[raw["indicator"].str.strip() == RATE_INDICATOR]
    if raw.empty:
        raise ReferenceFormatError(
            f"Reference file {RATE_FILE} has no rows for indicator {RATE_INDICATOR!r}."
        )
    raw = raw[is_council_code(raw["area_code"])].copy()
    raw["series"] = RATE_SERIES
    # The carrier multiplied Defra's fraction by 100 (32.800000000000004): drop that float noise.
    raw["value"] = to_number(raw["value"], RATE_FILE, "value").round(6)
    return add_financial_year(raw, "period")


def _tonnages(reference_dir: Path) -> pd.DataFrame:
    raw = read_official_csv(reference_dir, TONNAGES_FILE, TONNAGE_ID_COLUMNS + TONNAGE_COLUMNS)
    raw = raw[is_council_code(raw["ONS Code"])]
    names = {column: tonnage_series_name(column) for column in TONNAGE_COLUMNS}
    long = wide_to_series(raw, TONNAGE_ID_COLUMNS, names, TONNAGES_FILE)
    long = long.rename(columns={"ONS Code": "area_code", "Local Authority": "area_name"})
    return add_financial_year(long, "Financial Year")


def parse(reference_dir: Path) -> pd.DataFrame:
    frame = pd.concat([_rates(reference_dir), _tonnages(reference_dir)], ignore_index=True)
    frame = frame[frame["value"].notna()].copy()
    frame["area_code"] = frame["area_code"].str.strip()
    check_unique(frame, ["area_code", "period_start", "series"], RATE_FILE)
    frame = frame.sort_values(["area_code", "period_start", "series"])
    return conform(frame, COLUMNS, TABLE)
