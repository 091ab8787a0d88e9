"""English Indices of Deprivation 2019 (LSOA 2011) and 2025 (LSOA 2021), LSOA and LAD level."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from orchestration.lib.ingest.reference.common import conform, read_official_csv, to_number

TABLE = "ref_deprivation"
LAD_TABLE = "ref_lad_deprivation"

# Our short domain names, in the official order: IMD, then the seven domains.
DOMAINS = (
    "imd",
    "income",
    "employment",
    "education",
    "health",
    "crime",
    "barriers",
    "living_environment",
)
COLUMNS: dict[str, str] = {
    "lsoa_code": "text",
    "lsoa_version": "text",
    "iod_year": "integer",
    **{
        f"{domain}_{part}": ("numeric" if part == "score" else "integer")
        for domain in DOMAINS
        for part in ("score", "rank", "decile")
    },
    "lad_code": "text",
}
LAD_COLUMNS = {"lad_code": "text", "iod_year": "integer", "measure": "text", "value": "numeric"}

FILE_2019 = "deprivation/iod2019_file2_domains_ranks_deciles_worcs.csv"
_RANK_2019 = "{} Rank (where 1 is most deprived)"
_DECILE_2019 = "{} Decile (where 1 is most deprived 10% of LSOAs)"
_OFFICIAL_2019 = {
    "imd": "Index of Multiple Deprivation (IMD)",
    "income": "Income",
    "employment": "Employment",
    "education": "Education, Skills and Training",
    "health": "Health Deprivation and Disability",
    "crime": "Crime",
    "barriers": "Barriers to Housing and Services",
    "living_environment": "Living Environment",
}
COLUMNS_2019 = {
    "LSOA code (2011)": "lsoa_code",
    "Local Authority District code (2019)": "lad_code",
    **{_RANK_2019.format(name): f"{domain}_rank" for domain, name in _OFFICIAL_2019.items()},
    **{_DECILE_2019.format(name): f"{domain}_decile" for domain, name in _OFFICIAL_2019.items()},
}

FILE_2025 = "deprivation/iod2025_file7_scores_ranks_deciles_lsoa21_worcs.csv"
_PACKAGE_2025 = {
    "imd": "IMD",
    "income": "Income",
    "employment": "Employment",
    "education": "Education",
    "health": "Health",
    "crime": "Crime",
    "barriers": "Housing_and_Services",
    "living_environment": "Environment",
}
COLUMNS_2025 = {
    "lsoa21_code": "lsoa_code",
    "ltla24_code": "lad_code",
    **{
        f"{name}_{part}": f"{domain}_{part}"
        for domain, name in _PACKAGE_2025.items()
        for part in ("score", "rank", "decile")
    },
}

LAD_FILE_2019 = "deprivation/iod2019_file10_lad_summaries_worcs.csv"
_LAD_DOMAINS_2019 = {
    "Income": "income",
    "Employment": "employment",
    "Education": "education",
    "Health": "health",
    "Crime": "crime",
    "Housing_and_Access": "barriers",
    "Environment": "living_environment",
}
_PROPORTION = "proportion_lsoas_most_deprived_10pct"
LAD_MEASURES_2019 = {
    "Score": "imd_average_score",
    "Proportion": f"imd_{_PROPORTION}",
    "Extent": "imd_extent",
    **{f"{name}_Score": f"{domain}_average_score" for name, domain in _LAD_DOMAINS_2019.items()},
    **{
        f"{name}_Proportion": f"{domain}_{_PROPORTION}"
        for name, domain in _LAD_DOMAINS_2019.items()
    },
}

LAD_FILE_2025 = "deprivation/iod2025_file10_lad_summaries_worcs.csv"
_LAD_DOMAINS_2025 = {
    "imd": "imd",
    "income": "income",
    "employment": "employment",
    "education_skills_and_training": "education",
    "health_deprivation_and_disability": "health",
    "crime": "crime",
    "barriers_to_housing_and_services": "barriers",
    "living_environment": "living_environment",
}
_PACKAGE_PROPORTION = "proportion_of_lso_as_in_most_deprived_10_percent_nationally"
LAD_MEASURES_2025 = {
    **{
        f"{name}_{measure}": f"{domain}_{measure}"
        for name, domain in _LAD_DOMAINS_2025.items()
        for measure in (
            "average_rank",
            "rank_of_average_rank",
            "average_score",
            "rank_of_average_score",
        )
    },
    **{
        f"{name}_{_PACKAGE_PROPORTION}": f"{domain}_{_PROPORTION}"
        for name, domain in _LAD_DOMAINS_2025.items()
    },
    **{
        f"{name}_rank_of_{_PACKAGE_PROPORTION}": f"{domain}_rank_of_{_PROPORTION}"
        for name, domain in _LAD_DOMAINS_2025.items()
    },
    "imd25_extent": "imd_extent",
    "imd25_rank_of_extent": "imd_rank_of_extent",
    "imd25_local_concentration": "imd_local_concentration",
    "imd25_rank_of_local_concentration": "imd_rank_of_local_concentration",
    "income_scale": "income_scale",
    "rank_of_income_scale": "income_rank_of_scale",
    "employment_scale": "employment_scale",
    "rank_of_employment_scale": "employment_rank_of_scale",
}
FILES = (FILE_2019, FILE_2025)
LAD_FILES = (LAD_FILE_2019, LAD_FILE_2025)


def _lsoa_file(
    reference_dir: Path, relative_path: str, renames: dict[str, str], version: str, year: int
) -> pd.DataFrame:
    raw = read_official_csv(reference_dir, relative_path, tuple(renames))
    frame = raw.rename(columns=renames)
    for column in frame.columns:
        if column not in ("lsoa_code", "lad_code"):
            frame[column] = to_number(frame[column], relative_path, column)
    frame["lsoa_version"] = version
    frame["iod_year"] = year
    for domain in DOMAINS:
        # IoD2019 LSOA scores (File 5/7) are not among the reference files: scores stay null.
        frame[f"{domain}_score"] = frame.get(f"{domain}_score", float("nan"))
    return frame


def parse(reference_dir: Path) -> pd.DataFrame:
    """One row per LSOA and IoD edition; ranks 1 = most deprived, deciles 1 = most deprived 10%."""
    frame = pd.concat(
        [
            _lsoa_file(reference_dir, FILE_2019, COLUMNS_2019, "lsoa11", 2019),
            _lsoa_file(reference_dir, FILE_2025, COLUMNS_2025, "lsoa21", 2025),
        ],
        ignore_index=True,
    )
    frame = frame.sort_values(["iod_year", "lsoa_code"])
    return conform(frame, COLUMNS, TABLE)


def _lad_file(
    reference_dir: Path, relative_path: str, code_column: str, measures: dict[str, str], year: int
) -> pd.DataFrame:
    raw = read_official_csv(reference_dir, relative_path, (code_column, *measures))
    long = raw.melt(id_vars=code_column, var_name="column", value_name="raw_value")
    long["lad_code"] = long[code_column].str.strip()
    long["measure"] = long["column"].map(measures)
    long["value"] = to_number(long["raw_value"], relative_path, "value")
    long["iod_year"] = year
    return long[long["value"].notna()]


def parse_lad(reference_dir: Path) -> pd.DataFrame:
    """File 10 LAD summaries as (lad_code, iod_year, measure, value)."""
    frame = pd.concat(
        [
            _lad_file(reference_dir, LAD_FILE_2019, "ltla19_code", LAD_MEASURES_2019, 2019),
            _lad_file(reference_dir, LAD_FILE_2025, "ltla24_code", LAD_MEASURES_2025, 2025),
        ],
        ignore_index=True,
    )
    frame = frame.sort_values(["iod_year", "lad_code", "measure"])
    return conform(frame, LAD_COLUMNS, LAD_TABLE)
