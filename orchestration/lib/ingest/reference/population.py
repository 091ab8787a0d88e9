"""ONS population: mid-year estimates (LAD), SAPE (LSOA 2011), Census 2021 totals and households."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from orchestration.lib.ingest.reference.common import conform, read_official_csv, to_number
from orchestration.lib.ingest.reference.errors import ReferenceFormatError

TABLE = "ref_population"
HOUSEHOLDS_TABLE = "ref_households"
COLUMNS = {
    "area_type": "text",
    "area_code": "text",
    "year": "integer",
    "age_band": "text",
    "persons": "integer",
}
HOUSEHOLDS_COLUMNS = {"area_code": "text", "year": "integer", "households": "integer"}

SINGLE_YEARS = tuple(str(age) for age in range(90)) + ("90+",)
AGE_BANDS = {
    "0-15": tuple(str(age) for age in range(16)),
    "16-64": tuple(str(age) for age in range(16, 65)),
    "65+": tuple(str(age) for age in range(65, 90)) + ("90+",),
}
_LAD_2019 = ("ltla19_code", "ltla19_name")
_LAD_2020 = ("ltla21_code", "ltla21_name")
_SAPE_IDS = (
    "lsoa11_code",
    "Local Authority District code (2019)",
    "Local Authority District name (2019)",
    "lsoa11_name",
)
# (relative path, area_type, mid-year, identifying columns; the first one is the area code)
SINGLE_YEAR_FILES = (
    ("population/ons_mye_mid2019_lad_single_year_of_age_persons_worcs.csv", "lad", 2019, _LAD_2019),
    ("population/ons_mye_mid2020_lad_single_year_of_age_persons_worcs.csv", "lad", 2020, _LAD_2020),
    (
        "population/ons_sape_mid2017_lsoa11_single_year_of_age_persons_worcs.csv",
        "lsoa11",
        2017,
        _SAPE_IDS,
    ),
    (
        "population/ons_sape_mid2019_lsoa11_single_year_of_age_persons_worcs.csv",
        "lsoa11",
        2019,
        _SAPE_IDS,
    ),
    (
        "population/ons_sape_mid2020_lsoa11_single_year_of_age_persons_worcs.csv",
        "lsoa11",
        2020,
        _SAPE_IDS,
    ),
)
CENSUS_FILE = "population/census2021_ts009_sex_totals_lad_worcs.csv"
CENSUS_HEADER = ("ltla21_code", "total_population", "total_females", "total_males")
HOUSEHOLDS_FILE = "population/census2021_first_results_households_lad_worcs.csv"
HOUSEHOLDS_HEADER = ("ltla21_name", "ltla21_code", "households")
FILES = tuple(entry[0] for entry in SINGLE_YEAR_FILES) + (CENSUS_FILE,)


def _whole_numbers(values: pd.Series, relative_path: str, column: str) -> pd.Series:
    numbers = to_number(values, relative_path, column)
    if numbers.isna().any() or (numbers % 1 != 0).any():
        raise ReferenceFormatError(
            f"Reference file {relative_path} has a blank or fractional count in {column!r}."
        )
    return numbers.astype("int64")


def _single_year_file(
    reference_dir: Path, relative_path: str, area_type: str, year: int, ids: tuple[str, ...]
) -> pd.DataFrame:
    raw = read_official_csv(
        reference_dir, relative_path, ids + ("total_population",) + SINGLE_YEARS
    )
    counts = {
        column: _whole_numbers(raw[column], relative_path, column)
        for column in ("total_population",) + SINGLE_YEARS
    }
    total = counts["total_population"]
    if not total.equals(sum(counts[age] for age in SINGLE_YEARS)):
        raise ReferenceFormatError(
            f"Reference file {relative_path} has total_population values that are not the sum "
            "of the single years of age."
        )
    bands = {band: sum(counts[age] for age in ages) for band, ages in AGE_BANDS.items()}
    bands["all"] = total
    wide = pd.DataFrame({"area_code": raw[ids[0]].str.strip(), **bands})
    long = wide.melt(id_vars="area_code", var_name="age_band", value_name="persons")
    long["area_type"] = area_type
    long["year"] = year
    return long


def _census_totals(reference_dir: Path) -> pd.DataFrame:
    raw = read_official_csv(reference_dir, CENSUS_FILE, CENSUS_HEADER)
    return pd.DataFrame(
        {
            "area_type": "lad",
            "area_code": raw["ltla21_code"].str.strip(),
            "year": 2021,
            "age_band": "all",
            "persons": _whole_numbers(raw["total_population"], CENSUS_FILE, "total_population"),
        }
    )


def parse(reference_dir: Path) -> pd.DataFrame:
    """Persons by area, mid-year and broad age band (0-15, 16-64, 65+, all).

    There is no LSOA 2021 population file yet, so area_type 'lsoa21' does not occur; Census
    2021 gives LAD totals only (age_band 'all').
    """
    parts = [_single_year_file(reference_dir, *entry) for entry in SINGLE_YEAR_FILES]
    parts.append(_census_totals(reference_dir))
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.sort_values(["area_type", "area_code", "year", "age_band"])
    return conform(frame, COLUMNS, TABLE)


def parse_households(reference_dir: Path) -> pd.DataFrame:
    """Census 2021 first results: households with at least one usual resident (rounded to 100)."""
    raw = read_official_csv(reference_dir, HOUSEHOLDS_FILE, HOUSEHOLDS_HEADER)
    frame = pd.DataFrame(
        {
            "area_code": raw["ltla21_code"].str.strip(),
            "year": 2021,
            "households": _whole_numbers(raw["households"], HOUSEHOLDS_FILE, "households"),
        }
    )
    return conform(frame.sort_values("area_code"), HOUSEHOLDS_COLUMNS, HOUSEHOLDS_TABLE)
