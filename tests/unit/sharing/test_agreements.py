"""The register of data-sharing agreements: validation, status and flags (pure Python)."""

import copy
import datetime as dt

import pytest
import yaml

from orchestration.lib import environment
from orchestration.lib.registers.base import References
from orchestration.lib.sharing.agreements import (
    AgreementError,
    AgreementNotFound,
    load_register,
    parse_register,
)
from orchestration.lib.sharing.extract import dictionary_rows, period_end_for

pytestmark = pytest.mark.unit

REGISTER_FILE = environment.config_dir() / "sharing_agreements.yml"


@pytest.fixture
def raw():
    return yaml.safe_load(REGISTER_FILE.read_text())


def _first(raw):
    return raw["agreements"][0]


def test_the_real_register_loads_with_the_required_agreements():
    register = load_register()
    ids = {a.id for a in register.agreements}
    assert {"connecting_families", "sunrise", "west_mercia_police_asb"} <= ids
    families = register.get("connecting_families")
    assert families.geography == "ward" and not families.suppress_small_counts
    assert register.get("sunrise").geography == "locality"
    police = register.get("west_mercia_police_asb")
    assert police.geography == "ward" and police.suppress_small_counts
    assert {m for d in police.datasets for m in d.measures} == {"saf_asb_incidents"}
    for agreement in register.agreements:
        assert agreement.returns is None or agreement.returns.contract == "partner_returns"


def test_one_agreement_expires_within_sixty_days_of_some_date_in_force():
    register = load_register()
    flagged = [
        a
        for a in register.agreements
        if "expiring_soon" in a.status(a.expiry - dt.timedelta(30)).flags
    ]
    assert len(flagged) == len(register.agreements)
    # And in the shipped register, one is near expiry now (the flag test's real case).
    soon = [a for a in register.agreements if (a.expiry - dt.date(2026, 11, 26)).days <= 60]
    assert [a.id for a in soon] == ["sunrise"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("geography", "county", "field 'geography': must be one of council, locality, ward"),
        ("frequency", "weekly", "field 'frequency': must be one of monthly, quarterly"),
        ("expiry", "soon", "field 'expiry': must be a date (YYYY-MM-DD), not 'soon'"),
        ("lawful_basis", None, "field 'lawful_basis': is required"),
        ("councils", ["E07000999"], "field 'councils'"),
        ("version", 0, "field 'version'"),
        ("contacts", [{"role": "x"}], "contact 'x', field 'organisation': is required"),
    ],
)
def test_errors_name_the_agreement_and_field(raw, field, value, message):
    agreement = _first(raw)
    agreement[field] = value
    with pytest.raises(AgreementError) as error:
        parse_register(raw)
    assert f"agreement '{agreement['id']}'" in str(error.value)
    assert message in str(error.value)


def test_review_after_expiry_is_refused(raw):
    agreement = _first(raw)
    agreement["review"] = agreement["expiry"] + dt.timedelta(days=1)
    with pytest.raises(AgreementError, match="start <= review <= expiry"):
        parse_register(raw)


def test_personal_fields_cannot_be_agreed(raw):
    agreement = _first(raw)
    agreement["datasets"].append(
        {
            "name": "residents",
            "kind": "table",
            "description": "Not allowed.",
            "table": "marts.residents",
            "level": agreement["geography"],
            "geography_column": "ward_code",
            "columns": {"ward_code": "Ward.", "uprn": "Property.", "full_name": "Person."},
        }
    )
    with pytest.raises(AgreementError, match="personal fields, never shared: uprn, full_name"):
        parse_register(raw)


def test_measure_columns_outside_the_contract_and_unknown_measures_are_refused(raw):
    broken = copy.deepcopy(raw)
    _first(broken)["datasets"][0]["columns"].append("loaded_at")
    with pytest.raises(
        AgreementError, match="field 'columns': must be one of measure_id, .*, not 'loaded_at'"
    ):
        parse_register(broken)
    known = References(measures={"something_else": None, "ind_families_successful_outcomes": None})
    with pytest.raises(
        AgreementError,
        match="field 'measures': 'ind_families_engaged' is not in the measure registry",
    ):
        parse_register(raw, known)


def test_a_table_dataset_must_be_at_the_agreed_level(raw):
    agreement = _first(raw)
    agreement["datasets"].append(
        {
            "name": "localities",
            "kind": "table",
            "description": "Locality profiles.",
            "table": "marts.locality_profiles",
            "level": "locality",
            "geography_column": "locality_code",
            "columns": {"locality_code": "Locality."},
        }
    )
    with pytest.raises(AgreementError, match="is locality but the agreement allows ward"):
        parse_register(raw)


def test_duplicate_ids_and_missing_agreements(raw):
    raw["agreements"].append(copy.deepcopy(_first(raw)))
    with pytest.raises(AgreementError, match="is defined twice"):
        parse_register(raw)
    raw["agreements"].pop()
    with pytest.raises(AgreementNotFound, match="no data-sharing agreement 'nope'"):
        parse_register(raw).get("nope")


def test_status_over_an_agreements_life(raw):
    agreement = _first(raw)
    agreement.update(
        start=dt.date(2025, 4, 1), review=dt.date(2026, 3, 31), expiry=dt.date(2027, 3, 31)
    )
    terms = parse_register(raw).agreements[0]
    assert terms.status(dt.date(2025, 3, 31)).state == "not_started"
    assert terms.status(dt.date(2025, 4, 1)).state == "in_force"
    assert terms.status(dt.date(2025, 4, 1)).flags == ()
    assert terms.status(dt.date(2026, 2, 1)).flags == ("review_due",)
    assert terms.status(dt.date(2026, 1, 29)).flags == ()  # 61 days before review
    assert terms.status(dt.date(2026, 1, 30)).flags == ("review_due",)  # 60 days
    late = terms.status(dt.date(2027, 2, 1))
    assert late.in_force and late.flags == ("review_due", "expiring_soon")
    assert "review was due on 31 March 2026" in late.message
    assert terms.status(dt.date(2027, 3, 31)).in_force  # the expiry day itself is covered
    expired = terms.status(dt.date(2027, 4, 1))
    assert expired.state == "expired" and "expired on 31 March 2027" in expired.message


@pytest.mark.parametrize(
    ("today", "monthly_end", "quarterly_end"),
    [
        # November is not due until 7 December (5th working day) for the earliest sources and
        # 21 December (15th, partner returns) for the latest: October is the latest month due.
        (dt.date(2026, 12, 5), dt.date(2026, 10, 31), dt.date(2026, 9, 30)),
        (dt.date(2026, 12, 7), dt.date(2026, 10, 31), dt.date(2026, 9, 30)),
        (dt.date(2026, 12, 18), dt.date(2026, 10, 31), dt.date(2026, 9, 30)),
        (dt.date(2026, 12, 21), dt.date(2026, 11, 30), dt.date(2026, 9, 30)),
        # The 25th, when the extract schedules run: last month is due from every source.
        (dt.date(2025, 7, 25), dt.date(2025, 6, 30), dt.date(2025, 6, 30)),
        (dt.date(2025, 8, 25), dt.date(2025, 7, 31), dt.date(2025, 6, 30)),
        # December 2024 is not due on New Year's Day; November was due by 20 December.
        (dt.date(2025, 1, 1), dt.date(2024, 11, 30), dt.date(2024, 9, 30)),
        # Q2 (July-September) has ended on 1 October but September is not due yet.
        (dt.date(2025, 10, 1), dt.date(2025, 8, 31), dt.date(2025, 6, 30)),
        # Q3 2025/26 (October-December): December is due from every source by 22 January.
        (dt.date(2026, 1, 21), dt.date(2025, 11, 30), dt.date(2025, 9, 30)),
        (dt.date(2026, 1, 22), dt.date(2025, 12, 31), dt.date(2025, 12, 31)),
        (dt.date(2026, 2, 3), dt.date(2025, 12, 31), dt.date(2025, 12, 31)),
    ],
)
def test_period_end_is_the_latest_month_or_quarter_due_from_every_source(
    raw, today, monthly_end, quarterly_end
):
    register = parse_register(raw)
    monthly = register.get("connecting_families")
    quarterly = register.get("sunrise")
    assert monthly.frequency == "monthly" and quarterly.frequency == "quarterly"
    assert period_end_for(monthly, today) == monthly_end
    assert period_end_for(quarterly, today) == quarterly_end


def test_period_end_is_capped_by_the_agreed_range(raw):
    _first(raw)["periods"] = {"from": dt.date(2024, 4, 1), "to": dt.date(2025, 3, 31)}
    agreement = parse_register(raw).agreements[0]
    assert period_end_for(agreement, dt.date(2025, 7, 10)) == dt.date(2025, 3, 31)


def test_data_dictionary_describes_markers_and_columns(raw):
    agreement = parse_register(raw).get("connecting_families")
    dataset = agreement.datasets[0]
    layout = {dataset.name: [*dataset.columns, "value_marker"]}
    rows = dictionary_rows(agreement, layout)
    assert [r["column"] for r in rows] == layout[dataset.name]
    marker = next(r for r in rows if r["column"] == "value_marker")
    assert "[c]" in marker["meaning"] and "value" in marker["meaning"]
    assert all(r["meaning"] for r in rows)
