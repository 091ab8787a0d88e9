"""The demo generator: determinism, contracts, volumes and the patterns analysis must find."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from orchestration.demo import REDESIGN, SOURCES, generate
from orchestration.demo.geography import COUNCILS as GEOGRAPHY_COUNCILS
from orchestration.demo.geography import build_geography
from orchestration.lib import environment

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[3]
CONTRACTS = REPO / "config" / "contracts"
REFERENCE_DIR = environment.reference_dir()
SCALE = 0.05
COUNCILS = {"E07000234", "E07000236"}
FINANCIAL_YEARS = (2023, 2024, 2025)


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> dict[str, list[Path]]:
    """The demo's files, placed on the real wards and LSOAs of the reference snapshot."""
    return generate(tmp_path_factory.mktemp("real"), scale=SCALE, reference_dir=REFERENCE_DIR)


def load(written: dict[str, list[Path]], source: str) -> pd.DataFrame:
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in written[source]]
    return pd.concat(frames, ignore_index=True)


def financial_year(iso: pd.Series) -> pd.Series:
    year = iso.str[:4].astype(int)
    return year - (iso.str[5:7].astype(int) < 4)


def end_to_end_days(cases: pd.DataFrame) -> pd.Series:
    return (
        pd.to_datetime(cases["completed_date"]) - pd.to_datetime(cases["received_date"])
    ).dt.days


# --- determinism and layout ---------------------------------------------------------------


def test_same_arguments_give_byte_identical_files(real, tmp_path):
    again = generate(tmp_path, scale=SCALE)
    assert sorted(again) == sorted(real)
    for source, paths in real.items():
        assert [p.name for p in again[source]] == [p.name for p in paths]
        for first, second in zip(paths, again[source], strict=True):
            assert first.read_bytes() == second.read_bytes(), f"{source}: {first.name} differs"


def test_another_seed_gives_other_data(real, tmp_path):
    other = generate(tmp_path, scale=SCALE, seed=7, last_month="2023-04")
    assert other["crm_contacts"][0].read_bytes() != real["crm_contacts"][0].read_bytes()


def test_earlier_months_do_not_depend_on_the_last_month(real, tmp_path):
    short = generate(tmp_path, scale=SCALE, last_month="2023-06")
    assert len(short["crm_contacts"]) == 3
    for source in ("crm_contacts", "finance_ledger", "hr_enabling", "partner_returns"):
        assert short[source][0].read_bytes() == real[source][0].read_bytes()


def test_layout_one_file_per_month_and_rows_in_their_month(real):
    period_columns = {
        "crm_contacts": "received_at",
        "service_cases": "received_date",
        "case_clock_pauses": "case_received_date",
        "finance_ledger": "period_month",
        "hr_enabling": "period_month",
        "partner_returns": "period_month",
    }
    for source, column in period_columns.items():
        paths = real[source]
        assert len(paths) == 36, source
        assert paths[0].name == f"{source}_2023-04.csv"
        assert paths[-1].name == f"{source}_2026-03.csv"
        for path in paths:
            month = path.stem.rsplit("_", 1)[1]
            values = pd.read_csv(path, dtype=str, keep_default_na=False)[column]
            assert len(values) > 0, path.name
            assert (values.str[:7] == month).all(), path.name
    assert [p.name for p in real["gazetteer"]] == ["gazetteer.csv"]


def test_no_published_statistics_are_invented(real):
    # Only the council's own internal systems are synthetic; published statistics and
    # reference tables come from the real files in data/reference/ only.
    assert set(real) == set(SOURCES)
    assert not any(source.startswith(("ref_", "stats_")) for source in real)


def test_rejects_a_last_month_before_the_first(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, scale=SCALE, last_month="2022-12")


# --- contracts (an independent checker) ---------------------------------------------------

TYPE_PATTERNS = {
    "text": re.compile(r".+", re.DOTALL),
    "integer": re.compile(r"-?\d+"),
    "numeric": re.compile(r"-?\d+(\.\d+)?"),
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "timestamp": re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"),
    "boolean": re.compile(r"true|false"),
}


def contract_problems(contract: dict, paths: list[Path]) -> list[str]:
    problems: list[str] = []
    columns = contract["columns"]
    names = [c["name"] for c in columns]
    keys_seen: set[tuple[str, ...]] = set()
    for path in paths:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            if header != names:
                return [f"{path.name}: header {header} != contract {names}"]
            for line, row in enumerate(reader, start=2):
                where = f"{path.name}:{line}"
                for column, value in zip(columns, row, strict=True):
                    problems += value_problems(column, value, where)
                key = tuple(row[names.index(k)] for k in contract.get("primary_key", []))
                if key and key in keys_seen:
                    problems.append(f"{where}: duplicate primary key {key}")
                keys_seen.add(key)
            if len(problems) > 20:
                return problems
    return problems


def value_problems(column: dict, value: str, where: str) -> list[str]:
    name = column["name"]
    if value == "":
        return [f"{where}: {name} is required"] if column.get("required") else []
    if not TYPE_PATTERNS[column["type"]].fullmatch(value):
        return [f"{where}: {name}={value!r} is not a {column['type']}"]
    if column["type"] == "date":
        date.fromisoformat(value)
    allowed = column.get("allowed")
    if allowed and value not in {str(a) for a in allowed}:
        return [f"{where}: {name}={value!r} not in the code list"]
    if column["type"] in ("integer", "numeric"):
        if "min" in column and float(value) < column["min"]:
            return [f"{where}: {name}={value} below {column['min']}"]
        if "max" in column and float(value) > column["max"]:
            return [f"{where}: {name}={value} above {column['max']}"]
    return []


def contracts() -> dict[str, dict]:
    return {p.stem: yaml.safe_load(p.read_text()) for p in sorted(CONTRACTS.glob("*.yml"))}


def test_every_file_satisfies_its_contract(real):
    written = real
    known = contracts()
    for source, paths in written.items():
        assert source in known, f"no contract for {source}"
        assert known[source]["source"] == source
        problems = contract_problems(known[source], paths)
        assert problems == [], f"{source}: {problems[:5]}"


def test_the_checker_catches_a_broken_file(real, tmp_path):
    contract = contracts()["crm_contacts"]
    with real["crm_contacts"][0].open(newline="") as handle:
        rows = list(csv.reader(handle))[:3]
    bad_code = [*rows[1][:3], "pigeon", *rows[1][4:]]
    bad_boolean = [*rows[2][:8], "yes", rows[2][9]]
    path = tmp_path / "broken.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([rows[0], rows[1], bad_code, bad_boolean])
    problems = contract_problems(contract, [path])
    assert any("duplicate primary key" in p for p in problems)
    assert any("channel='pigeon' not in the code list" in p for p in problems)
    assert any("resolved_at_first_point='yes' is not a boolean" in p for p in problems)


def test_references_resolve(real):
    uprns = set(load(real, "gazetteer")["uprn"])
    for source in ("crm_contacts", "service_cases"):
        used = set(load(real, source)["uprn"]) - {""}
        assert used and used <= uprns, source
    cases = set(load(real, "service_cases")["case_id"])
    assert set(load(real, "case_clock_pauses")["case_id"]) <= cases


def test_every_generated_source_has_a_contract(real):
    # Contracts may also exist for real-only reference tables the generator does not fake.
    assert set(real) == set(SOURCES)
    assert set(SOURCES) <= set(contracts())


def test_codes_from_other_sources_exist(real):
    written = real
    checked = 0
    for source, contract in contracts().items():
        for column in contract["columns"]:
            if source not in written or "codes_from" not in column:
                continue
            other, other_column = column["codes_from"].split(".")
            known = set(load(written, other)[other_column])
            assert set(load(written, source)[column["name"]]) <= known, (source, column)
            checked += 1
    if checked == 0:
        pytest.skip("no contract uses codes_from")


# --- volumes and geography ------------------------------------------------------------------


def test_volumes_follow_the_scale(real):
    contacts = load(real, "crm_contacts")
    per_year = contacts.groupby(financial_year(contacts["received_at"])).size()
    assert list(per_year.index) == list(FINANCIAL_YEARS)
    assert per_year.between(150_000 * SCALE, 250_000 * SCALE).all(), per_year.to_dict()
    cases = load(real, "service_cases")
    per_year = cases.groupby(financial_year(cases["received_date"])).size()
    assert per_year.between(32_000 * SCALE, 48_000 * SCALE).all(), per_year.to_dict()
    residential = (load(real, "gazetteer")["address_type"] == "residential").sum()
    assert 70_000 * SCALE < residential < 90_000 * SCALE


def test_both_councils_in_every_council_source(real):
    for source in (
        "crm_contacts",
        "service_cases",
        "case_clock_pauses",
        "finance_ledger",
        "hr_enabling",
        "partner_returns",
        "gazetteer",
    ):
        assert set(load(real, source)["council_code"]) == COUNCILS, source


def test_real_wards_and_localities(real):
    gazetteer = load(real, "gazetteer")
    wards = gazetteer.drop_duplicates("ward_code")
    bromsgrove = wards[wards["council_code"] == "E07000234"]
    assert len(bromsgrove) == 30
    assert {"E05009823", "E05009852"} <= set(bromsgrove["ward_code"])
    assert "Alvechurch South" in set(bromsgrove["ward_name"])
    localities = wards.groupby("council_code")["locality"].nunique()
    assert localities.between(4, 6).all(), localities.to_dict()
    assert gazetteer["lsoa_code"].str.match(r"E01\d{6}$").all()


def test_deprived_areas_make_more_benefit_demand(real):
    gazetteer = load(real, "gazetteer")
    iod = pd.read_csv(
        REFERENCE_DIR / "deprivation" / "iod2025_file7_scores_ranks_deciles_lsoa21_worcs.csv"
    )
    households = gazetteer[gazetteer["address_type"] == "residential"].groupby("lsoa_code").size()
    contacts = load(real, "crm_contacts")
    benefits = contacts[(contacts["service"] == "benefits") & (contacts["uprn"] != "")]
    lsoa_of = gazetteer.set_index("uprn")["lsoa_code"]
    per_lsoa = benefits["uprn"].map(lsoa_of).value_counts()
    rate = (per_lsoa.reindex(households.index, fill_value=0) / households).rename("rate")
    scored = iod.set_index("lsoa21_code")["IMD_score"].reindex(rate.index)
    most, least = scored.quantile(0.8), scored.quantile(0.2)
    assert rate[scored >= most].mean() > 1.5 * rate[scored <= least].mean()


# --- demand --------------------------------------------------------------------------------


def test_failure_share_differs_by_service_and_channel(real):
    contacts = load(real, "crm_contacts")
    failure = contacts["demand_type"] == "failure"
    by_service = failure.groupby(contacts["service"]).mean()
    revenues_and_benefits = failure[contacts["service"].isin(["benefits", "council_tax"])].mean()
    assert 0.40 <= revenues_and_benefits <= 0.55
    assert 0.25 <= by_service["waste"] <= 0.35
    assert 0.24 <= by_service["planning"] <= 0.36
    assert by_service["benefits"] > by_service["leisure"] + 0.2
    by_channel = failure.groupby(contacts["channel"]).mean()
    assert by_channel["phone"] > by_channel["web"] + 0.1
    assert (contacts.loc[~failure, "failure_type"] == "").all()
    assert (contacts.loc[failure, "failure_type"] != "").all()


def test_seasonality(real):
    contacts = load(real, "crm_contacts")
    month = contacts["received_at"].str[5:7].astype(int)
    council_tax = month[contacts["service"] == "council_tax"].value_counts()
    assert council_tax[4] > 1.4 * council_tax.mean()
    cases = load(real, "service_cases")
    case_month = cases["received_date"].str[5:7].astype(int)
    bins = case_month[cases["case_type"] == "missed_bin"].value_counts()
    assert bins[[6, 7, 8]].sum() > 1.4 * bins[[12, 1, 2]].sum()
    claims = case_month[cases["case_type"] == "new_claim"].value_counts()
    assert claims[1] > 1.2 * claims.mean()


def test_timestamps_fall_in_office_hours_for_phone(real):
    contacts = load(real, "crm_contacts")
    phone = contacts[contacts["channel"] == "phone"]["received_at"]
    hours = phone.str[11:13].astype(int)
    assert hours.between(8, 17).all()
    weekday = pd.to_datetime(phone).dt.weekday
    assert (weekday < 5).all()


# --- cases and clocks ----------------------------------------------------------------------


def test_redesign_halves_new_claim_end_to_end_time(real):
    cases = load(real, "service_cases")
    claims = cases[
        (cases["service"] == REDESIGN["service"])
        & (cases["case_type"] == REDESIGN["case_type"])
        & (cases["completed_date"] != "")
    ].copy()
    claims["days"] = end_to_end_days(claims)
    after = claims["received_date"] >= REDESIGN["start"].isoformat()
    redesigned = claims["council_code"] == REDESIGN["council_code"]
    before_days = claims.loc[redesigned & ~after, "days"]
    after_days = claims.loc[redesigned & after, "days"]
    assert 20 <= before_days.median() <= 28
    assert 9 <= after_days.median() <= 15
    spread = lambda d: d.quantile(0.85) - d.quantile(0.15)  # noqa: E731
    assert spread(after_days) < 0.6 * spread(before_days)
    control = claims[~redesigned]
    assert control.loc[after[~redesigned], "days"].median() > 18


def test_end_to_end_times_are_right_skewed(real):
    cases = load(real, "service_cases")
    done = cases[cases["completed_date"] != ""].copy()
    done["days"] = end_to_end_days(done)
    assert (done["days"] >= 0).all()
    for case_type in ("change_of_circumstances", "housing_application", "minor"):
        days = done.loc[done["case_type"] == case_type, "days"]
        assert days.mean() > days.median(), case_type


def test_some_cases_are_still_open_at_the_end(real):
    cases = load(real, "service_cases")
    open_cases = cases[cases["completed_date"] == ""]
    assert 0 < len(open_cases) < 0.05 * len(cases)
    assert (open_cases["outcome"] == "").all()
    assert (cases.loc[cases["completed_date"] != "", "outcome"] != "").all()
    assert (open_cases["received_date"] >= "2025-01-01").all()


def test_pauses_lie_within_the_case_window(real):
    cases = load(real, "service_cases").set_index("case_id")
    pauses = load(real, "case_clock_pauses")
    assert len(pauses) > 500
    joined = pauses.join(cases, on="case_id", rsuffix="_case")
    assert (joined["paused_from"] >= joined["received_date"]).all()
    assert (joined["case_received_date"] == joined["received_date"]).all()
    closed = joined[joined["paused_to"] != ""]
    assert (closed["paused_to"] >= closed["paused_from"]).all()
    completed = closed[closed["completed_date"] != ""]
    assert (completed["paused_to"] <= completed["completed_date"]).all()
    assert (joined["paused_from"] <= "2026-03-31").all()
    running = joined[joined["paused_to"] == ""]
    assert (running["completed_date"] == "").all()
    paused_types = set(joined["case_type"])
    assert {"new_claim", "change_of_circumstances", "major", "housing_application"} <= paused_types


def test_pauses_of_one_case_do_not_overlap(real):
    pauses = load(real, "case_clock_pauses").sort_values(["case_id", "pause_id"])
    following = pauses.groupby("case_id")["paused_from"].shift(-1)
    has_next = following.notna()
    assert has_next.any()
    assert (pauses.loc[has_next, "paused_to"] <= following[has_next]).all()


# --- finance, HR, partners ------------------------------------------------------------------


def test_finance_and_hr_cover_every_month_and_team(real):
    ledger = load(real, "finance_ledger")
    assert ledger.groupby("period_month")["cost_centre"].nunique().nunique() == 1
    assert ledger["period_month"].nunique() == 36
    budget = ledger["budget"].astype(float)
    actual = ledger["actual"].astype(float)
    assert 0.95 < actual.sum() / budget.sum() < 1.1
    hr = load(real, "hr_enabling")
    assert (hr["foi_in_time"].astype(int) <= hr["foi_requests"].astype(int)).all()
    assert (hr["complaints_upheld"].astype(int) <= hr["complaints"].astype(int)).all()
    assert hr["team"].nunique() >= 10


def test_partner_returns_by_ward_and_month(real):
    returns = load(real, "partner_returns")
    wards = set(load(real, "gazetteer")["ward_code"])
    assert set(returns["area_code"]) == wards
    assert set(returns["measure_code"]) == {
        "asb_incidents",
        "families_engaged",
        "families_successful_outcomes",
    }
    value = returns.pivot_table(
        index=["area_code", "period_month"],
        columns="measure_code",
        values="value",
        aggfunc=lambda v: float(v.iloc[0]),
    )
    assert (value["families_successful_outcomes"] <= value["families_engaged"]).all()
    assert value["asb_incidents"].sum() > 0


@pytest.mark.parametrize("scale", [1, 10])
def test_gazetteer_uprns_are_unique_and_each_council_keeps_its_range(scale):
    # At scale 10 Bromsgrove's UPRNs once ran into Redditch's, and the gazetteer was refused.
    _, gazetteer = build_geography(seed=1, scale=scale, reference_dir=REFERENCE_DIR)
    assert gazetteer["uprn"].is_unique
    bases = sorted(council.uprn_base for council in GEOGRAPHY_COUNCILS)
    for council in GEOGRAPHY_COUNCILS:
        uprns = gazetteer.loc[gazetteer["council_code"] == council.code, "uprn"]
        above = [base for base in bases if base > council.uprn_base]
        assert uprns.min() > council.uprn_base
        assert not above or uprns.max() < above[0]
