"""ONS best-fit lookups: LSOA 2021 -> ward 2024 -> LAD 2024, and LSOA 2011 -> LSOA 2021."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from orchestration.lib.ingest.reference.common import check_unique, conform, read_official_csv
from orchestration.lib.ingest.reference.errors import ReferenceFormatError

TABLE = "ref_geography"
LSOA_BRIDGE_TABLE = "ref_lsoa11_lsoa21"
FILE = "geography/lookup_lsoa21_ward24_ltla24_worcs.csv"
LSOA_BRIDGE_FILE = "geography/lookup_lsoa11_lsoa21_ltla22_worcs.csv"

COLUMNS = {
    "lsoa21_code": "text",
    "lsoa21_name": "text",
    "ward_code": "text",
    "ward_name": "text",
    "lad_code": "text",
    "lad_name": "text",
}
LSOA_BRIDGE_COLUMNS = {
    "lsoa11_code": "text",
    "lsoa21_code": "text",
    "change_indicator": "text",
    "lad_code": "text",
}
_RENAMES = {
    "lsoa21_code": "lsoa21_code",
    "lsoa21_name": "lsoa21_name",
    "ward24_code": "ward_code",
    "ward24_name": "ward_name",
    "ltla24_code": "lad_code",
    "ltla24_name": "lad_name",
}
_BRIDGE_RENAMES = {
    "lsoa11_code": "lsoa11_code",
    "lsoa21_code": "lsoa21_code",
    "change_code": "change_indicator",
    "ltla22_code": "lad_code",
}
# ONS change indicator: U unchanged, S split, M merged, X irregular (redrawn).
CHANGE_INDICATORS = frozenset({"U", "S", "M", "X"})


def parse(reference_dir: Path) -> pd.DataFrame:
    """One row per LSOA 2021 with its best-fit 2024 ward and its 2024 LAD."""
    raw = read_official_csv(reference_dir, FILE, tuple(_RENAMES))
    frame = raw.rename(columns=_RENAMES)
    check_unique(frame, ["lsoa21_code"], FILE)
    return conform(frame.sort_values("lsoa21_code"), COLUMNS, TABLE)


def parse_lsoa_bridge(reference_dir: Path) -> pd.DataFrame:
    """LSOA 2011 to LSOA 2021 pairs (bridge IoD2019 to IoD2025), with the 2022 LAD."""
    raw = read_official_csv(reference_dir, LSOA_BRIDGE_FILE, tuple(_BRIDGE_RENAMES))
    frame = raw.rename(columns=_BRIDGE_RENAMES)
    frame["change_indicator"] = frame["change_indicator"].str.strip()
    unknown = sorted(set(frame["change_indicator"]) - CHANGE_INDICATORS)
    if unknown:
        raise ReferenceFormatError(
            f"Reference file {LSOA_BRIDGE_FILE} has unknown change codes {unknown} "
            "(expected U, S, M or X)."
        )
    check_unique(frame, ["lsoa11_code", "lsoa21_code"], LSOA_BRIDGE_FILE)
    frame = frame.sort_values(["lsoa11_code", "lsoa21_code"])
    return conform(frame, LSOA_BRIDGE_COLUMNS, LSOA_BRIDGE_TABLE)


# Postcode sectors, for the public site's "find your ward by postcode": no postcode-level
# lookup is published under the OGL for free reuse without the address data, but the ONS
# best-fit Output Area (2011) to postcode sector lookup is. A sector reaches a ward through
# OA 2011 -> LSOA 2011 (this file pair) -> LSOA 2021 -> ward 2024 (the two lookups above).
POSTCODE_TABLE = "ref_postcode_sectors"
POSTCODE_SECTOR_FILE = "geography/lookup_oa11_postcode_sector_2011_worcs.csv"
OA_LSOA_FILE = "geography/lookup_oa11_lsoa11_msoa11_lad17_oac11_worcs.csv"
POSTCODE_FILES = (POSTCODE_SECTOR_FILE, OA_LSOA_FILE)
POSTCODE_COLUMNS = {
    "postcode_sector": "text",
    "oa11_code": "text",
    "lsoa11_code": "text",
    "lad_code": "text",
}


def parse_postcode_sectors(reference_dir: Path) -> pd.DataFrame:
    """One row per Output Area (2011): its best-fit postcode sector ("B60 1"), its LSOA
    (2011) and its 2017 LAD."""
    sectors = read_official_csv(reference_dir, POSTCODE_SECTOR_FILE, ("OA11CD", "PCDS11CD"))
    areas = read_official_csv(reference_dir, OA_LSOA_FILE, ("OA11CD", "LSOA11CD", "LAD17CD"))
    sectors = sectors.rename(columns={"OA11CD": "oa11_code", "PCDS11CD": "postcode_sector"})
    areas = areas.rename(
        columns={"OA11CD": "oa11_code", "LSOA11CD": "lsoa11_code", "LAD17CD": "lad_code"}
    )
    check_unique(sectors, ["oa11_code"], POSTCODE_SECTOR_FILE)
    check_unique(areas, ["oa11_code"], OA_LSOA_FILE)
    # Sector codes are written with one space before the inward digit ("B60 1"); some copies
    # pad the outward code to four characters ("B60  1").
    sectors["postcode_sector"] = sectors["postcode_sector"].str.split().str.join(" ")
    frame = sectors.merge(areas, on="oa11_code", how="inner", validate="one_to_one")
    unmatched = len(sectors) - len(frame)
    if unmatched:
        raise ReferenceFormatError(
            f"Reference file {POSTCODE_SECTOR_FILE} has {unmatched} Output Areas that "
            f"{OA_LSOA_FILE} does not hold: the two files are from different extracts."
        )
    frame = frame[list(POSTCODE_COLUMNS)].sort_values("oa11_code")
    return conform(frame, POSTCODE_COLUMNS, POSTCODE_TABLE)
