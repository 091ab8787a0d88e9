"""Every worked case in tests/fixtures/spc/cases, both profiles where a case gives both."""

from __future__ import annotations

import json

import pytest

from orchestration.lib.spc import assurance, xmr
from tests.support.spc_cases import check_mdc, check_ptd, load, scenarios

pytestmark = pytest.mark.unit

SCENARIOS = list(scenarios())


@pytest.mark.parametrize(
    ("values", "options", "shape", "expected"),
    [pytest.param(v, o, s, e, id=name) for name, v, o, s, e in SCENARIOS],
)
def test_case(values, options, shape, expected):
    result = xmr(values, **options)
    if shape == "mdc":
        problems = check_mdc(result, expected)
    elif shape == "ptd-labels":
        labels = [p["special_cause_type"] for p in result["points"]]
        problems = [] if labels == expected["special_cause_type"] else [f"labels {labels}"]
    else:
        problems = check_ptd(result, expected)
    assert problems == []
    json.dumps(result)  # the contract says JSON-serialisable


def test_every_case_file_is_exercised():
    files = {name.split("/")[0] for name, *_ in SCENARIOS}
    assert files == {f"0{i}" for i in range(1, 9)}


DIRECTION = {"increase": 1, "decrease": -1, "neutral": 0}
PTD_ASSURANCE = {
    "consistent_pass": "pass",
    "consistent_fail": "fail",
    "inconsistent": "hit_or_miss",
}
SQL_ASSURANCE = {"Pass": "pass", "Fail": "fail", "Hit or Miss": "hit_or_miss"}


def _truth_table():
    case = load("08_unit_fixtures.json")
    for row in case["assurance_truth_table_r_tests"]:
        want = PTD_ASSURANCE.get(row["ptd_assurance_type"])
        yield "ptd", row, want
    for row in case["assurance_boundary_target_on_a_limit"]:
        yield "ptd", row, PTD_ASSURANCE[row["ptd_0_2_2 (strict >, <)"]]
        yield "mdc", row, SQL_ASSURANCE[row["mdc_sql_v2_4 (inclusive >=, <=)"]]


@pytest.mark.parametrize(("profile", "row", "expected"), list(_truth_table()))
def test_assurance_truth_table(profile, row, expected):
    got = assurance(
        profile, DIRECTION[row["improvement_direction"]], row["target"], row["upl"], row["lpl"]
    )
    assert got == expected


def test_fix_after_fewer_than_12_points_warns():
    result = xmr([1, 2, 3, 4, 5, 6, 7, 8], profile="ptd", fix_after_n_points=3)
    assert any("fix_after_n_points" in w for w in result["warnings"])


def test_no_variation_collapses_limits_and_warns():
    result = xmr([5] * 15)
    group = result["groups"][0]
    assert group["upl"] == group["lpl"] == group["mean"] == 5
    assert "no variation" in result["warnings"]
    assert {p["point_type"] for p in result["points"]} == {"common_cause"}


def test_below_minimum_points_is_a_run_chart():
    result = xmr(list(range(12)))
    assert result["spc_shown"] is False
    assert result["groups"][0]["upl"] is None
    assert result["variation_icon"] is None and result["assurance_icon"] is None
    assert all(p["point_type"] is None and not p["rules_high"] for p in result["points"])


def test_missing_value_is_bridged_like_a_ghost():
    values = [10, 12, 11, 13, 12, 11, 12, 10, 11, 12, 13, 11, 12, 10]
    gapped = values[:5] + [None] + values[5:]
    plain, bridged = xmr(values), xmr(gapped)
    assert bridged["points"][5]["ghost"] is True
    assert bridged["points"][5]["point_type"] is None
    assert bridged["groups"][0]["mean"] == pytest.approx(plain["groups"][0]["mean"])
    assert bridged["groups"][0]["amr"] == pytest.approx(plain["groups"][0]["amr"])


def test_conflict_improvement_wins_by_default_in_mdc():
    values = [0, 1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1]
    default = xmr(values, minimum_points=2)
    concern = xmr(values, minimum_points=2, conflict="concern")
    assert default["points"][8]["point_type"] == "special_cause_improvement"
    assert concern["points"][8]["point_type"] == "special_cause_concern"


def test_shift_length_option():
    values = [10, 11, 9, 10, 11, 9, 10, 12, 12, 12, 12, 12, 12, 9, 10, 11, 9]
    six = xmr(values, shift_points=6)
    seven = xmr(values)
    assert all("shift" in six["points"][i]["rules_high"] for i in range(7, 13))
    assert not any("shift" in p["rules_high"] for p in seven["points"])


def test_invalid_options_are_refused():
    with pytest.raises(ValueError):
        xmr([1, 2, 3], profile="spc")
    with pytest.raises(ValueError):
        xmr([1, 2, 3], trend_points=5)
    with pytest.raises(ValueError):
        xmr([1, 2, 3], profile="ptd", baseline_end=1)
    with pytest.raises(ValueError):
        xmr([1, 2, 3], colour="blue")
