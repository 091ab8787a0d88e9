"""The measure registry: the committed files validate, and broken files are refused by name."""

import shutil
from collections import Counter

import pytest
import yaml

from orchestration.lib import environment
from orchestration.lib.registry.measures import RegistryError, load_registry, measures_dir

pytestmark = pytest.mark.unit

PURPOSES = {"home", "business", "finance", "independence", "things_to_do", "safe_place", "enabling"}


@pytest.fixture
def registry_copy(tmp_path):
    folder = tmp_path / "measures"
    shutil.copytree(measures_dir(), folder)
    return folder


def _edit(folder, file_name, change):
    path = folder / file_name
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_committed_registry_has_40_measures_per_council_covering_every_purpose():
    registry = load_registry()
    rows = registry.rows()
    per_council = Counter(row["council_code"] for row in rows)
    assert set(per_council) == set(environment.councils())
    assert min(per_council.values()) >= 40
    assert {row["purpose_code"] for row in rows if row["kind"] == "strategic"} == PURPOSES
    assert any(row["kind"] == "operational" for row in rows)
    assert {purpose.code for purpose in registry.purposes} == PURPOSES


def test_systems_thinking_families_are_present():
    families = Counter(m.calculation.get("family") for m in load_registry().measures)
    for family in ("contact_share", "case_time", "cost_per_transaction", "cost_of_failure"):
        assert families[family] > 0, family
    statistics = {m.calculation.get("statistic") for m in load_registry().measures}
    assert {"median", "p85"} <= statistics


def test_portfolio_holders_are_titles_without_a_bracketed_council():
    rows = [row for row in load_registry().rows() if row["kind"] == "strategic"]
    holders = {row["portfolio_holder"] for row in rows}
    assert holders and all(h.startswith("Portfolio Holder for ") for h in holders)
    assert not any("(" in h for h in holders)  # the council is in the pack's own name


def test_missing_required_field_names_file_measure_and_field(registry_copy):
    _edit(registry_copy, "home.yml", lambda data: data["measures"][0].pop("definition"))
    with pytest.raises(RegistryError) as error:
        load_registry(registry_copy)
    message = str(error.value)
    assert "home.yml" in message and "hou_hclic_owed_prevention_duty" in message
    assert "'definition'" in message


@pytest.mark.parametrize(
    ("field", "value"),
    [("unit", "furlongs"), ("polarity", "up"), ("frequency", "weekly"), ("kind", "tactical")],
)
def test_bad_code_values_are_refused(registry_copy, field, value):
    _edit(registry_copy, "finance.yml", lambda data: data["measures"][1].update({field: value}))
    with pytest.raises(RegistryError, match=f"field '{field}'"):
        load_registry(registry_copy)


def test_duplicate_id_across_files_is_refused(registry_copy):
    def duplicate(data):
        data["measures"][0]["id"] = "ena_failure_demand_share"

    _edit(registry_copy, "business.yml", duplicate)
    with pytest.raises(RegistryError, match="enabling.yml.*already defined in business.yml"):
        load_registry(registry_copy)


def test_calculation_must_name_its_sources(registry_copy):
    def change(data):
        data["measures"][0].update(source=["finance_ledger"])

    _edit(registry_copy, "enabling.yml", change)
    with pytest.raises(
        RegistryError, match=r"must name the raw tables it reads: \['crm_contacts'\]"
    ):
        load_registry(registry_copy)


def test_sources_must_be_source_contracts(registry_copy):
    def change(data):
        data["measures"][0].update(source=["crm_contact"])

    _edit(registry_copy, "enabling.yml", change)
    message = r"'crm_contact' is not a source contract.*did you mean crm_contacts\?"
    with pytest.raises(RegistryError, match=message):
        load_registry(registry_copy)


def test_unknown_calculation_parameter_is_refused(registry_copy):
    def change(data):
        data["measures"][0]["calculation"]["colour"] = "red"

    _edit(registry_copy, "enabling.yml", change)
    with pytest.raises(RegistryError, match="calculation.colour"):
        load_registry(registry_copy)


def test_strategic_measure_needs_a_known_purpose(registry_copy):
    def change(data):
        data["measures"][0]["purpose"] = "happiness"

    _edit(registry_copy, "home.yml", change)
    with pytest.raises(RegistryError, match="not a defined purpose"):
        load_registry(registry_copy)


def test_manual_measure_has_no_calculation_and_rows_carry_per_council_target(registry_copy):
    registry = load_registry(registry_copy)
    manual = [m for m in registry.measures if m.fields["input_method"] == "manual"]
    assert manual and all(not m.calculation for m in manual)

    def target(data):
        data["measures"][0]["target"]["value"] = {"E07000234": 60, "E07000236": 55}

    _edit(registry_copy, "business.yml", target)
    rows = [
        r
        for r in load_registry(registry_copy).rows()
        if r["measure_id"] == "bus_planning_major_in_time"
    ]
    assert sorted(row["target"] for row in rows) == [55.0, 60.0]


def test_not_yaml_is_refused_with_the_file_name(registry_copy):
    (registry_copy / "broken.yml").write_text("measures: [unclosed")
    with pytest.raises(RegistryError, match="broken.yml"):
        load_registry(registry_copy)


def test_every_key_measure_has_a_sourced_target_or_says_why_not():
    rows = [row for row in load_registry().rows() if row["is_key"]]
    assert rows
    for row in rows:
        if row["target"] is None:
            assert row["no_target_reason"], row["measure_id"]
        else:
            assert row["target_basis"] and row["target_source"] and row["target_set_by"]
            assert row["target_set_on"], row["measure_id"]
            assert row["no_target_reason"] is None


def test_running_totals_are_never_charted_as_they_are():
    rows = load_registry().rows()
    running = {row["measure_id"] for row in rows if row["accumulation"] == "year_to_date"}
    assert {"fin_council_tax_collected", "bus_business_rates_collected"} <= running
    assert all(row["signals"] != "xmr" for row in rows if row["accumulation"] == "year_to_date")
    assert all(row["signals_reason"] for row in rows if row["signals"] == "none")


def _first_measure(data):
    return data["measures"][0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.update(target=60), "target.*must be a mapping"),
        (lambda m: m["target"].pop("source"), "target.source.*is required"),
        (lambda m: m["target"].pop("set_on"), "key measure's target needs its date"),
        (lambda m: m["target"].update(basis="gut feeling"), "target.basis"),
        (lambda m: m["target"].update(value="sixty"), "target.value.*must be a number"),
        (lambda m: m.update(no_target_reason="none needed"), "needs no reason"),
        (lambda m: m.update(signals="sometimes"), "field 'signals'"),
        (lambda m: m.update(signals_reason=None), "signals_reason.*is required"),
        (
            lambda m: m.update(signals="year_on_year"),
            "year_on_year compares months: make it monthly",
        ),
        (lambda m: (m.pop("target"), m.update(is_key=True)), "no_target_reason.*is required"),
    ],
)
def test_targets_and_signals_are_refused_by_name(registry_copy, change, message):
    def edit(data):
        measure = _first_measure(data)
        change(measure)
        data.get("defaults", {}).pop("no_target_reason", None)
        if measure.get("signals_reason") is None:
            measure.pop("signals_reason", None)

    _edit(registry_copy, "business.yml", edit)
    with pytest.raises(RegistryError, match=f"bus_planning_major_in_time.*{message}"):
        load_registry(registry_copy)


def test_a_year_to_date_measure_may_not_use_a_capability_chart_of_its_values(registry_copy):
    def edit(data):
        measure = next(m for m in data["measures"] if m["id"] == "fin_council_tax_collected")
        measure["signals"] = "xmr"

    _edit(registry_copy, "finance.yml", edit)
    with pytest.raises(RegistryError, match="fin_council_tax_collected.*year-to-date value"):
        load_registry(registry_copy)
