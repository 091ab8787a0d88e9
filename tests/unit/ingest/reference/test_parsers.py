"""The reference parsers on the real published files, cross-checked by an independent read."""

from __future__ import annotations

import csv
import re
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from orchestration.lib import environment
from orchestration.lib.ingest.reference import (
    PARSERS,
    ReferenceFormatError,
    homelessness,
    parse_all,
    validate_frame,
)

pytestmark = pytest.mark.unit

BROMSGROVE = "E07000234"
REDDITCH = "E07000236"
WORCESTERSHIRE_LADS = {f"E0700023{digit}" for digit in range(4, 10)}

SERIES_SHAPE = ["area_code", "area_name", "period_start", "period_end", "series", "value"]
EXPECTED_COLUMNS = {
    "stats_homelessness": SERIES_SHAPE,
    "stats_flytipping": SERIES_SHAPE,
    "stats_recycling": SERIES_SHAPE,
    "ref_population": ["area_type", "area_code", "year", "age_band", "persons"],
    "ref_households": ["area_code", "year", "households"],
    "ref_lad_deprivation": ["lad_code", "iod_year", "measure", "value"],
    "ref_geography": [
        "lsoa21_code",
        "lsoa21_name",
        "ward_code",
        "ward_name",
        "lad_code",
        "lad_name",
    ],
    "ref_lsoa11_lsoa21": ["lsoa11_code", "lsoa21_code", "change_indicator", "lad_code"],
    "ref_postcode_sectors": ["postcode_sector", "oa11_code", "lsoa11_code", "lad_code"],
    "ref_nearest_neighbours": [
        "model",
        "area_code",
        "area_name",
        "neighbour_rank",
        "neighbour_code",
        "neighbour_name",
    ],
}
# A column each parser needs from its first official file, for the malformed-copy test.
REQUIRED_COLUMN = {
    "stats_homelessness": "column_label",
    "stats_flytipping": "Total Incidents",
    "stats_recycling": "period",
    "ref_population": "total_population",
    "ref_households": "households",
    "ref_deprivation": "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
    "ref_lad_deprivation": "Score",
    "ref_geography": "ward24_code",
    "ref_lsoa11_lsoa21": "change_code",
    "ref_postcode_sectors": "PCDS11CD",
    "ref_nearest_neighbours": "Neighbour 1: code",
}


@pytest.fixture(scope="module")
def reference_dir() -> Path:
    return environment.reference_dir()


@pytest.fixture(scope="module")
def frames(reference_dir: Path) -> dict[str, pd.DataFrame]:
    return parse_all(reference_dir)


def _rows(reference_dir: Path, relative_path: str) -> list[dict[str, str]]:
    with (reference_dir / relative_path).open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _value(frame: pd.DataFrame, **where) -> float:
    mask = pd.Series(True, index=frame.index)
    for column, wanted in where.items():
        mask &= frame[column] == (pd.Timestamp(wanted) if isinstance(wanted, date) else wanted)
    matched = frame.loc[mask]
    assert len(matched) == 1, f"expected one row for {where}, found {len(matched)}"
    return matched.iloc[0][frame.columns[-1]]


# ---- every table -------------------------------------------------------------------------


def test_registry_covers_every_table_with_provenance():
    assert set(PARSERS) == set(EXPECTED_COLUMNS) | {"ref_deprivation"}
    for table, parser in PARSERS.items():
        assert parser.table == table
        assert parser.files and all(not Path(name).is_absolute() for name in parser.files)
        assert set(parser.columns.values()) <= {"text", "date", "integer", "numeric"}


@pytest.mark.parametrize("table", sorted(PARSERS))
def test_each_table_is_non_empty_with_declared_columns_and_types(frames, table):
    frame = frames[table]
    assert len(frame) > 0
    assert list(frame.columns) == list(PARSERS[table].columns)
    validate_frame(frame, PARSERS[table])
    if table in EXPECTED_COLUMNS:
        assert list(frame.columns) == EXPECTED_COLUMNS[table]
    assert all(re.fullmatch(r"[a-z0-9_]+", column) for column in frame.columns)


@pytest.mark.parametrize("table", sorted(PARSERS))
def test_bromsgrove_and_redditch_present(frames, table):
    frame = frames[table]
    code_column = next(c for c in ("area_code", "lad_code") if c in frame.columns)
    if "area_type" in frame.columns:
        frame = frame[frame["area_type"] == "lad"]
    assert {BROMSGROVE, REDDITCH} <= set(frame[code_column])
    # Worcestershire districts, plus the county council (waste disposal authority) in ENV18.
    assert set(frame[code_column]) <= WORCESTERSHIRE_LADS | {"E10000034"}


def test_series_tables_have_unique_keys_and_no_null_values(frames):
    for table in ("stats_homelessness", "stats_flytipping", "stats_recycling"):
        frame = frames[table]
        assert not frame.duplicated(["area_code", "period_start", "series"]).any(), table
        assert frame["value"].notna().all(), table
        assert frame["area_name"].str.len().gt(0).all(), table


# ---- periods -----------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["stats_flytipping", "stats_recycling"])
def test_financial_years_run_april_to_march(frames, table):
    frame = frames[table]
    starts, ends = frame["period_start"], frame["period_end"]
    assert ((starts.dt.month == 4) & (starts.dt.day == 1)).all()
    assert ((ends.dt.month == 3) & (ends.dt.day == 31)).all()
    assert (ends.dt.year == starts.dt.year + 1).all()


def test_homelessness_quarters_are_calendar_quarters(frames):
    frame = frames["stats_homelessness"]
    starts, ends = frame["period_start"], frame["period_end"]
    assert starts.dt.month.isin([1, 4, 7, 10]).all() and (starts.dt.day == 1).all()
    assert ((ends + pd.Timedelta(days=1)) == (starts + pd.DateOffset(months=3))).all()
    assert starts.min() == pd.Timestamp(2018, 4, 1)
    assert ends.max() == pd.Timestamp(2025, 12, 31)


# ---- cross-checks against an independent read of the raw files ---------------------------


def test_recycling_rate_bromsgrove_2022_23_matches_csv(reference_dir, frames):
    rows = _rows(reference_dir, PARSERS["stats_recycling"].files[0])
    published = [r for r in rows if r["area_code"] == BROMSGROVE and r["period"] == "2022/23"]
    assert len(published) == 1
    parsed = _value(
        frames["stats_recycling"],
        area_code=BROMSGROVE,
        series="household_waste_recycling_rate_pct",
        period_start=date(2022, 4, 1),
    )
    assert parsed == pytest.approx(float(published[0]["value"]))


def test_recycling_tonnage_redditch_2016_17_matches_csv(reference_dir, frames):
    rows = _rows(reference_dir, PARSERS["stats_recycling"].files[1])
    published = next(
        r for r in rows if r["ONS Code"] == REDDITCH and r["Financial Year"] == "2016-17"
    )
    parsed = _value(
        frames["stats_recycling"],
        area_code=REDDITCH,
        series="household_total_waste_tonnes",
        period_start=date(2016, 4, 1),
    )
    assert parsed == pytest.approx(float(published["Household - total waste (tonnes)"]))


def test_flytipping_totals_match_csv(reference_dir, frames):
    incidents_file, actions_file = PARSERS["stats_flytipping"].files
    frame = frames["stats_flytipping"]
    for row in _rows(reference_dir, incidents_file):
        if row["ONS Code"] != BROMSGROVE:
            continue
        start_year = int(row["Year"][:4])
        parsed = _value(
            frame,
            area_code=BROMSGROVE,
            series="flytipping_incidents_total",
            period_start=date(start_year, 4, 1),
        )
        assert parsed == float(row["Total Incidents"])
    actions = next(
        r
        for r in _rows(reference_dir, actions_file)
        if r["ONS Code"] == REDDITCH and r["Year"] == "2019-20"
    )
    parsed = _value(
        frame,
        area_code=REDDITCH,
        series="flytipping_enforcement_actions",
        period_start=date(2019, 4, 1),
    )
    assert parsed == float(actions["Total Actions"])


def test_flytipping_unavailable_cells_are_left_out(reference_dir, frames):
    incidents_file = PARSERS["stats_flytipping"].files[0]
    row = next(
        r
        for r in _rows(reference_dir, incidents_file)
        if r["ONS Code"] == BROMSGROVE and r["Incidents per 1,000 people"] == ":"
    )
    frame = frames["stats_flytipping"]
    start = pd.Timestamp(int(row["Year"][:4]), 4, 1)
    present = frame[
        (frame["area_code"] == BROMSGROVE)
        & (frame["period_start"] == start)
        & (frame["series"] == "flytipping_incidents_per_1000_people")
    ]
    assert present.empty


def test_homelessness_values_match_csv(reference_dir, frames):
    rows = _rows(reference_dir, homelessness.FILE)
    frame = frames["stats_homelessness"]

    def published(code: str, quarter: str, table: str, label_pattern: str) -> str:
        matches = [
            r["value"]
            for r in rows
            if r["ons_code"] == code
            and r["quarter_end"] == quarter
            and r["table"] == table
            and re.match(label_pattern, r["column_label"])
        ]
        assert len(matches) == 1, (code, quarter, table, label_pattern, matches)
        return matches[0]

    assessments = published(BROMSGROVE, "2025-12", "A1", r"Total initial assessments")
    parsed = _value(
        frame,
        area_code=BROMSGROVE,
        series="initial_assessments_total",
        period_start=date(2025, 10, 1),
    )
    assert parsed == float(assessments)

    in_ta = published(REDDITCH, "2024-03", "TA1", r"Total number of households in TA[\d,]*$")
    parsed = _value(
        frame,
        area_code=REDDITCH,
        series="households_in_temporary_accommodation",
        period_start=date(2024, 1, 1),
    )
    assert parsed == float(in_ta)

    secured = published(BROMSGROVE, "2019-03", "P1", r"Secured accommodation .* \| Total$")
    parsed = _value(
        frame,
        area_code=BROMSGROVE,
        series="prevention_accommodation_secured",
        period_start=date(2019, 1, 1),
    )
    assert parsed == float(secured)

    suppressed = published(BROMSGROVE, "2022-03", "A1", r"Total initial assessments")
    assert suppressed == ".."
    missing = frame[
        (frame["area_code"] == BROMSGROVE)
        & (frame["series"] == "initial_assessments_total")
        & (frame["period_start"] == pd.Timestamp(2022, 1, 1))
    ]
    assert missing.empty


def test_every_published_homelessness_label_is_recognised(reference_dir):
    rows = _rows(reference_dir, homelessness.FILE)
    labels = {(r["table"], r["column_label"]) for r in rows}
    unknown = [label for label in labels if homelessness.series_for_label(*label) is None]
    assert unknown == []


def test_brief_series_names_exist(frames):
    homeless = set(frames["stats_homelessness"]["series"])
    assert {
        "owed_prevention_duty",
        "prevention_accommodation_secured",
        "relief_duty_owed",
        "households_in_temporary_accommodation",
    } <= homeless
    assert {"flytipping_incidents_total", "flytipping_enforcement_actions"} <= set(
        frames["stats_flytipping"]["series"]
    )


def test_population_bands_match_single_years_in_csv(reference_dir, frames):
    frame = frames["ref_population"]
    lad_file = "population/ons_mye_mid2019_lad_single_year_of_age_persons_worcs.csv"
    row = next(r for r in _rows(reference_dir, lad_file) if r["ltla19_code"] == BROMSGROVE)
    children = sum(int(row[str(age)]) for age in range(16))
    older = sum(int(row[str(age)]) for age in range(65, 90)) + int(row["90+"])
    lad = dict(area_type="lad", area_code=BROMSGROVE, year=2019)
    assert _value(frame, **lad, age_band="0-15") == children
    assert _value(frame, **lad, age_band="65+") == older
    assert _value(frame, **lad, age_band="all") == int(row["total_population"])

    sape_file = "population/ons_sape_mid2017_lsoa11_single_year_of_age_persons_worcs.csv"
    lsoa_row = _rows(reference_dir, sape_file)[0]
    working = sum(int(lsoa_row[str(age)]) for age in range(16, 65))
    parsed = _value(
        frame,
        area_type="lsoa11",
        area_code=lsoa_row["lsoa11_code"],
        year=2017,
        age_band="16-64",
    )
    assert parsed == working
    bromsgrove_lsoas = frame[
        (frame["area_type"] == "lsoa11") & (frame["year"] == 2017) & (frame["age_band"] == "all")
    ]
    assert bromsgrove_lsoas["area_code"].nunique() == 364


def test_census_population_and_households_match_csv(reference_dir, frames):
    census = next(
        r
        for r in _rows(reference_dir, "population/census2021_ts009_sex_totals_lad_worcs.csv")
        if r["ltla21_code"] == BROMSGROVE
    )
    parsed = _value(
        frames["ref_population"], area_type="lad", area_code=BROMSGROVE, year=2021, age_band="all"
    )
    assert parsed == int(census["total_population"])
    households = next(
        r
        for r in _rows(
            reference_dir, "population/census2021_first_results_households_lad_worcs.csv"
        )
        if r["ltla21_code"] == REDDITCH
    )
    assert _value(frames["ref_households"], area_code=REDDITCH, year=2021) == int(
        households["households"]
    )


def test_deprivation_matches_csv(reference_dir, frames):
    frame = frames["ref_deprivation"]
    file_2019, file_2025 = PARSERS["ref_deprivation"].files
    rank_column = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"
    for row in _rows(reference_dir, file_2019)[:20]:
        match = frame[(frame["lsoa_code"] == row["LSOA code (2011)"]) & (frame["iod_year"] == 2019)]
        assert match["imd_rank"].tolist() == [int(row[rank_column])]
        assert match["lsoa_version"].tolist() == ["lsoa11"]
        assert match["imd_score"].isna().all()
    for row in _rows(reference_dir, file_2025)[:20]:
        match = frame[(frame["lsoa_code"] == row["lsoa21_code"]) & (frame["iod_year"] == 2025)]
        assert match["imd_score"].tolist() == [pytest.approx(float(row["IMD_score"]))]
        assert match["income_decile"].tolist() == [int(row["Income_decile"])]
        assert match["lsoa_version"].tolist() == ["lsoa21"]
    bromsgrove = frame[frame["lad_code"] == BROMSGROVE].groupby("iod_year")["lsoa_code"].nunique()
    assert bromsgrove.to_dict() == {2019: 58, 2025: 60}
    assert frame["imd_decile"].between(1, 10).all()


def test_lad_deprivation_matches_csv(reference_dir, frames):
    frame = frames["ref_lad_deprivation"]
    file_2019, file_2025 = PARSERS["ref_lad_deprivation"].files
    row_2019 = next(r for r in _rows(reference_dir, file_2019) if r["ltla19_code"] == BROMSGROVE)
    row_2025 = next(r for r in _rows(reference_dir, file_2025) if r["ltla24_code"] == REDDITCH)
    assert _value(
        frame, lad_code=BROMSGROVE, iod_year=2019, measure="imd_average_score"
    ) == pytest.approx(float(row_2019["Score"]))
    assert _value(
        frame, lad_code=REDDITCH, iod_year=2025, measure="imd_average_score"
    ) == pytest.approx(float(row_2025["imd_average_score"]))
    assert not frame.duplicated(["lad_code", "iod_year", "measure"]).any()


def test_geography_matches_csv(reference_dir, frames):
    frame = frames["ref_geography"]
    rows = _rows(reference_dir, PARSERS["ref_geography"].files[0])
    assert len(frame) == len(rows)
    row = next(r for r in rows if r["ltla24_code"] == BROMSGROVE)
    match = frame[frame["lsoa21_code"] == row["lsoa21_code"]].iloc[0]
    assert (match["ward_code"], match["ward_name"], match["lad_code"]) == (
        row["ward24_code"],
        row["ward24_name"],
        row["ltla24_code"],
    )
    bromsgrove = frame[frame["lad_code"] == BROMSGROVE]
    assert bromsgrove["lsoa21_code"].nunique() == 60
    assert bromsgrove["ward_code"].nunique() == 30

    bridge = frames["ref_lsoa11_lsoa21"]
    bridge_rows = _rows(reference_dir, PARSERS["ref_lsoa11_lsoa21"].files[0])
    splits = sorted(
        (r["lsoa11_code"], r["lsoa21_code"]) for r in bridge_rows if r["change_code"] == "S"
    )
    parsed_splits = sorted(
        bridge.loc[bridge["change_indicator"] == "S", ["lsoa11_code", "lsoa21_code"]].itertuples(
            index=False, name=None
        )
    )
    assert parsed_splits == splits
    assert set(bridge["change_indicator"]) <= {"U", "S", "M", "X"}


# ---- malformed input ---------------------------------------------------------------------


def _copy_files(reference_dir: Path, target: Path, table: str) -> Path:
    for relative_path in PARSERS[table].files:
        destination = target / relative_path
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(reference_dir / relative_path, destination)
    return target / PARSERS[table].files[0]


@pytest.mark.parametrize("table", sorted(PARSERS))
def test_renamed_column_raises_reference_format_error(reference_dir, tmp_path, table):
    first_file = _copy_files(reference_dir, tmp_path, table)
    column = REQUIRED_COLUMN[table]
    lines = first_file.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    assert column in header, "the test's chosen column must be in the official header"
    renamed = [f"{name} renamed" if name == column else name for name in header]
    with first_file.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerow(renamed)
        handle.writelines(lines[1:])

    with pytest.raises(ReferenceFormatError) as caught:
        PARSERS[table].parse(tmp_path)
    message = str(caught.value)
    assert first_file.name in message
    assert column in message


@pytest.mark.parametrize("table", sorted(PARSERS))
def test_missing_file_raises_reference_format_error(tmp_path, table):
    with pytest.raises(ReferenceFormatError, match="missing") as caught:
        PARSERS[table].parse(tmp_path)
    assert Path(PARSERS[table].files[0]).name in str(caught.value)


def test_non_numeric_value_raises_reference_format_error(reference_dir, tmp_path):
    rate_file = _copy_files(reference_dir, tmp_path, "stats_recycling")
    text = rate_file.read_text(encoding="utf-8")
    rate_file.write_text(text.replace(",Percent,44.3", ",Percent,forty-four"), encoding="utf-8")
    with pytest.raises(ReferenceFormatError, match="forty-four"):
        PARSERS["stats_recycling"].parse(tmp_path)


def test_validate_frame_rejects_wrong_shape(frames):
    parser = PARSERS["stats_recycling"]
    frame = frames["stats_recycling"]
    with pytest.raises(ReferenceFormatError, match="columns"):
        validate_frame(frame.drop(columns=["area_name"]), parser)
    with pytest.raises(ReferenceFormatError, match="value"):
        validate_frame(frame.assign(value=frame["value"].astype(str)), parser)


def test_nearest_neighbours_name_twenty_per_council_and_model(reference_dir, frames):
    frame = frames["ref_nearest_neighbours"]
    counts = frame.groupby(["area_code", "model"]).size()
    assert set(counts) == {20}
    assert set(frame["model"]) == {"Global", "Economic", "Demographic"}
    rows = _rows(reference_dir, PARSERS["ref_nearest_neighbours"].files[0])
    first = next(
        r for r in rows if r["Model"] == "Global" and r["Local Authority Code"] == BROMSGROVE
    )
    nearest = frame[
        (frame["model"] == "Global")
        & (frame["area_code"] == BROMSGROVE)
        & (frame["neighbour_rank"] == 1)
    ]
    assert nearest["neighbour_code"].tolist() == [first["Neighbour 1: code"]]
