"""Every worked case in tests/fixtures/spc/cases, both profiles where a case gives both."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from orchestration.lib.spc import assurance, chunky, xmr
from tests.support.spc_cases import check_chunky, check_mdc, check_ptd, load, scenarios

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
    if "chunky" in expected:
        problems += check_chunky(result, expected["chunky"])
    assert problems == []
    json.dumps(result)  # the contract says JSON-serialisable


def test_every_case_file_is_exercised():
    files = {name.split("/")[0] for name, *_ in SCENARIOS}
    assert files == {f"0{i}" for i in range(1, 10)}


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


# The chunky-data option (case 09 holds the worked series; these are the edges).

REFERENCE_SCENARIOS = [s for s in SCENARIOS if not s[0].startswith("09/")]


@pytest.mark.parametrize(
    ("values", "options"),
    [pytest.param(v, o, id=name) for name, v, o, *_ in REFERENCE_SCENARIOS],
)
def test_chunky_ignore_is_the_default_and_flag_only_adds_warnings(values, options):
    plain = xmr(values, **options)
    assert xmr(values, **options, chunky="ignore") == plain
    assert xmr(values, **options, chunky=None) == plain
    flagged = xmr(values, **options, chunky="flag")
    added = flagged["warnings"][len(plain["warnings"]) :]
    assert flagged["warnings"][: len(plain["warnings"])] == plain["warnings"]
    assert all(w.startswith("chunky data: group ") for w in added)
    assert {**flagged, "warnings": plain["warnings"]} == plain


def test_chunky_suppress_changes_nothing_where_no_limits_are_chunky():
    for _name, values, options, *_ in REFERENCE_SCENARIOS:
        flagged = xmr(values, **options, chunky="flag")
        if not any("chunky data" in w for w in flagged["warnings"]):
            suppressed = xmr(values, **options, chunky="suppress")
            assert suppressed == flagged


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"chunky": "hide"}, "chunky must be 'ignore', 'flag' or 'suppress', got 'hide'"),
        ({"chunky": True}, "got True"),
        ({"chunky": "flag", "resolution": 0}, "resolution must be a positive number, got 0"),
        ({"chunky": "flag", "resolution": -1}, "got -1"),
        ({"chunky": "flag", "resolution": "1"}, "got '1'"),
        ({"chunky": "flag", "resolution": float("nan")}, "got nan"),
        ({"chunky": "flag", "resolution": True}, "got True"),
    ],
)
def test_chunky_options_are_validated(options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        xmr([1, 2, 3], **options)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([3, 3, 4, 3, 2], 1.0),
        ([3.0, 3.1, 3.3], 0.1),  # 3.1 - 3.0 is 0.10000000000000009 in floats
        ([0.1 + 0.2, 0.3, 0.5], 0.2),  # 0.1 + 0.2 and 0.3 are one value
        ([1_000_000.1, 1_000_000.2, 1_000_000.4], 0.1),
        ([0.0012, 0.0015, 0.0013], 0.0001),
        ([-2.5, 0, 2.5], 2.5),
        ([7, 7, 7], None),
        ([0, 0], None),
        ([5], None),
    ],
)
def test_resolution_is_the_smallest_step_between_distinct_values(values, expected):
    assert chunky.infer_resolution(np.array(values, dtype=float)) == expected


def test_resolution_reads_live_values_only_and_a_given_one_wins():
    values = [3, 3, 3.5, 3, 4, 3, 3, 3, 4, 3, 3, 3, 3, 4, 3]
    flagged = xmr(values, chunky="flag")
    assert chunky.read_warnings(flagged["warnings"]) == []  # steps of 0.5: 4 possible ranges
    ghosted = xmr(values, chunky="flag", ghost=[2])
    assert chunky.read_warnings(ghosted["warnings"])[0]["resolution"] == 1.0
    given = xmr(values, chunky="flag", resolution=2)
    assert chunky.read_warnings(given["warnings"])[0]["resolution"] == 2.0


def test_wheelers_worked_counts():
    # an upper range limit of .0181 at an increment of .001: 19 possible values (0 to .018);
    # .0102 at .01: 2 (0 and .01); an increment equal to the process standard deviation:
    # 3.268 x 1.128 = 3.69 increments, so 4 (0, 1, 2, 3), the borderline that is not chunky
    amr = np.array([0.0181, 0.0102, 3.268 * 1.128, 3.0]) / chunky.RANGE_LIMIT_FACTOR
    counts = chunky.possible_values(amr, np.array([0.001, 0.01, 1.0, 1.0]))
    assert counts.tolist() == [19, 2, 4, 4]  # a value exactly on the limit is within it
    assert chunky.possible_values(np.array([0.0, np.nan]), np.array([np.nan, 1.0])).tolist()[0] == 1


def test_a_run_chart_is_not_judged():
    result = xmr([3] * 11 + [4], chunky="suppress")
    assert result["spc_shown"] is False
    assert not any("chunky" in w for w in result["warnings"])


def test_suppress_under_ptd_labels_every_point_common_cause():
    values = [3] * 16 + [4]
    result = xmr(values, profile="ptd", improvement="decrease", target=5, chunky="suppress")
    assert {p["special_cause_type"] for p in result["points"]} == {"Common Cause"}
    assert result["variation_icon"] is None and result["assurance_icon"] is None
    assert result["groups"][0]["upl"] == pytest.approx(52 / 17)  # the limits are still given


def test_a_baseline_judged_chunky_takes_its_carried_limits_with_it():
    values = [3] * 8 + [2] + [3] * 5 + [9, 1, 7, 2, 8, 4, 9, 1, 6, 3]
    result = xmr(values, baseline_end=13, chunky="suppress")
    found = chunky.read_warnings(result["warnings"])
    assert [f["group"] for f in found] == [0, 1]
    assert "limits carried from the baseline" in result["warnings"][-1]
    assert {p["point_type"] for p in result["points"]} == {"common_cause"}
    own = xmr(values, recalc=[14], chunky="suppress")
    assert [f["group"] for f in chunky.read_warnings(own["warnings"])] == [0]
