"""The measure registry: the committed files validate, and broken files are refused by name."""

import shutil
from collections import Counter

import pytest
import yaml

from orchestration.lib.registry.measures import (
    COUNCIL_CODES,
    RegistryError,
    load_registry,
    measures_dir,
)

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
    assert set(per_council) == set(COUNCIL_CODES)
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


def test_portfolio_holder_differs_by_council():
    rows = [row for row in load_registry().rows() if row["measure_id"] == "saf_recycling_rate"]
    holders = {row["council_code"]: row["portfolio_holder"] for row in rows}
    assert holders["E07000234"] != holders["E07000236"]
    assert all(holders.values())


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
    _edit(registry_copy, "enabling.yml", lambda data: data["measures"][0].update(source=["x"]))
    with pytest.raises(RegistryError, match="crm_contacts"):
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
        data["measures"][0]["target"] = {"E07000234": 60, "E07000236": 55}

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
