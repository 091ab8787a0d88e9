"""Load the worked XmR cases (tests/fixtures/spc/cases) and compare engine results with them.

Each case file records expectations in one of two shapes: `ptd` (NHSRplotthedots columns) or
`mdc_sql` (SQL v2.4 partitions and the special-cause points). `scenarios()` lists every
expectation with the engine call that should reproduce it. Case 09 is the platform's own (the
`chunky` option, not an MDC or NHSRplotthedots case); its expectations carry a `chunky` entry
that `check_chunky` compares with the result's warnings.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from orchestration.lib.spc.chunky import read_warnings

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = REPO_ROOT / "tests" / "fixtures" / "spc"
PTD_VARIATION = {
    "common_cause": "common_cause",
    "improvement_high": "improvement_high",
    "improvement_low": "improvement_low",
    "concern_high": "concern_high",
    "concern_low": "concern_low",
    "neutral_high": "neither_high",
    "neutral_low": "neither_low",
    None: None,
}
PTD_ASSURANCE = {
    "consistent_pass": "pass",
    "consistent_fail": "fail",
    "inconsistent": "hit_or_miss",
    None: None,
}
SQL_VARIATION = {
    "Common Cause": "common_cause",
    "Improvement (High)": "improvement_high",
    "Improvement (Low)": "improvement_low",
    "Concern (High)": "concern_high",
    "Concern (Low)": "concern_low",
    "Neither (High)": "neither_high",
    "Neither (Low)": "neither_low",
}
SQL_ASSURANCE = {"Pass": "pass", "Fail": "fail", "Hit or Miss": "hit_or_miss", None: None}
SQL_V24 = {"conflict": "concern", "two_of_three": "band", "minimum_points": 15}
RELATIVE = 1e-9


def spec_dir() -> Path:
    configured = os.environ.get("BDC_SPEC_DIR")
    return Path(configured) if configured else SPEC_DIR


def load(name: str) -> dict:
    return json.loads((spec_dir() / "cases" / name).read_text())


def load_own(name: str) -> dict:
    """A case of the platform's own: from the configured folder when it has it, else from the
    repository's (a held-out copy of the reference cases need not carry it)."""
    path = spec_dir() / "cases" / name
    if not path.exists():
        path = SPEC_DIR / "cases" / name
    return json.loads(path.read_text())


def close(actual, expected) -> bool:
    if expected is None or actual is None:
        return actual is expected
    tolerance = RELATIVE * max(1.0, abs(expected))
    return math.isclose(actual, expected, rel_tol=RELATIVE, abs_tol=tolerance * 1e-1)


def floats(values):
    return [None if v is None else float(v) for v in values]


def check_ptd(result: dict, expected: dict) -> list[str]:
    problems = []
    groups = result["groups"]
    if len(groups) != len(expected["groups"]):
        return [f"{len(groups)} groups, expected {len(expected['groups'])}"]
    for got, want in zip(groups, expected["groups"], strict=True):
        pairs = {
            "first_index": "first_index",
            "last_index": "last_index",
            "n": "n",
            "mean": "mean",
            "lpl": "lpl",
            "upl": "upl",
            "lower_two_sigma": "two_sigma_low",
            "upper_two_sigma": "two_sigma_high",
            "amr_before_screening": "amr_before_screening",
            "amr": "amr_used",
        }
        for ours, theirs in pairs.items():
            if theirs in want and not close(got[ours], want[theirs]):
                problems.append(f"group {want.get('rebase_group')}: {ours} {got[ours]}")
        if "mr_screened_out_at_index" in want and (
            got["mr_screened_out"] != want["mr_screened_out_at_index"]
        ):
            problems.append(f"screened {got['mr_screened_out']}")
        if "short_group_warning" in want and got["trial_limits"] != want["short_group_warning"]:
            problems.append(f"trial_limits {got['trial_limits']}")
    labels = [p.get("special_cause_type") for p in result["points"]]
    if "special_cause_type" in expected and labels != expected["special_cause_type"]:
        problems.append(f"labels {labels}")
    types = [p["point_type"] for p in result["points"]]
    if "point_type" in expected and types != expected["point_type"]:
        problems.append(f"point types {types}")
    if "variation_icon" in expected:
        if result["variation_icon"] != PTD_VARIATION[expected["variation_icon"]]:
            problems.append(f"variation icon {result['variation_icon']}")
    if "assurance_type" in expected:
        if result["assurance_icon"] != PTD_ASSURANCE[expected["assurance_type"]]:
            problems.append(f"assurance {result['assurance_icon']}")
    return problems


def check_mdc(result: dict, expected: dict) -> list[str]:
    problems = []
    groups = result["groups"]
    if len(groups) != len(expected["partitions"]):
        return [f"{len(groups)} groups, expected {len(expected['partitions'])}"]
    for got, want in zip(groups, expected["partitions"], strict=True):
        pairs = {
            "first_index": "first_index",
            "last_index": "last_index",
            "n": "n_live",
            "mean": "mean",
            "amr": "mr_mean_for_limits",
            "upl": "upl",
            "lpl": "lpl",
            "upper_two_sigma": "upper_two_sigma",
            "lower_two_sigma": "lower_two_sigma",
        }
        for ours, theirs in pairs.items():
            if theirs in want and not close(got[ours], want[theirs]):
                problems.append(f"partition {want['partition']}: {ours} {got[ours]}")
        if got["limits_from"] != want.get("limits_from", "own"):
            problems.append(f"partition {want['partition']}: limits_from {got['limits_from']}")
    listed = {p["i"]: p for p in expected["special_cause_points"]}
    for point in result["points"]:
        want = listed.get(point["index"], {})
        if point["ghost"] != bool(want.get("ghost")):
            problems.append(f"point {point['index']}: ghost {point['ghost']}")
        for side in ("rules_high", "rules_low"):
            if sorted(point[side]) != sorted(want.get(side, [])):
                problems.append(f"point {point['index']}: {side} {point[side]}")
        if want.get("ghost"):
            expected_type = None
        elif want.get("special_cause_improvement"):
            expected_type = "special_cause_improvement"
        elif want.get("special_cause_concern"):
            expected_type = "special_cause_concern"
        elif result["spc_shown"]:
            expected_type = "common_cause"
        else:
            expected_type = None
        if point["point_type"] != expected_type:
            problems.append(f"point {point['index']}: type {point['point_type']}")
    if result["spc_shown"] != expected["spc_shown"]:
        problems.append(f"spc_shown {result['spc_shown']}")
    if result["variation_icon"] != SQL_VARIATION.get(expected["variation_icon"]):
        problems.append(f"variation icon {result['variation_icon']}")
    if result["assurance_icon"] != SQL_ASSURANCE[expected["assurance_icon"]]:
        problems.append(f"assurance {result['assurance_icon']}")
    return problems


def _case01():
    case = load("01_ptd_rnorm20_screening_rebase.json")
    base, spike = case["input"]["values"], case["input"]["variant_b_c_values"]
    exp = case["expected"]
    yield "01/a", base, {"profile": "ptd"}, "ptd", exp["a_default"]
    yield "01/b", spike, {"profile": "ptd"}, "ptd", exp["b_point15_is_10_screened"]
    yield (
        "01/c",
        spike,
        {"profile": "ptd", "screen": False},
        "ptd",
        exp["c_point15_is_10_unscreened"],
    )
    yield "01/d", base, {"profile": "ptd", "recalc": [10]}, "ptd", exp["d_rebase_at_index_10"]
    yield "01/e", base, {"profile": "ptd", "target": 0.5}, "ptd", exp["e_target_0_5"]


def _case02():
    case = load("02_ptd_vignette_outlier_screening.json")
    values, exp = case["input"]["values"], case["expected"]
    yield "02/ptd", values, {"profile": "ptd"}, "ptd", exp["ptd_screened_default"]
    yield (
        "02/ptd-unscreened",
        values,
        {"profile": "ptd", "screen": False},
        "ptd",
        exp["ptd_unscreened_like_mdc_excel"],
    )
    yield "02/sql", values, dict(SQL_V24), "mdc", exp["mdc_sql_v2_4_default_no_screening"]
    yield (
        "02/sql-screened",
        values,
        {**SQL_V24, "screen": True},
        "mdc",
        exp["mdc_sql_v2_4_exclude_mr_outliers_on"],
    )
    yield "02/mdc-default", values, {}, "mdc", exp["mdc_sql_v2_4_default_no_screening"]


def _case03():
    case = load("03_two_of_three_edges.json")
    a, b, exp = case["input"]["part_a_values"], case["input"]["part_b_values"], case["expected"]
    yield "03/a", a, {"profile": "ptd"}, "ptd", exp["part_a_ptd"]
    yield (
        "03/b-ptd",
        b,
        {"profile": "ptd", "fix_after_n_points": 20},
        "ptd",
        exp["part_b_ptd_fix_after_20"],
    )
    yield (
        "03/b-sql",
        b,
        {**SQL_V24, "baseline_end": 19},
        "mdc",
        exp["part_b_mdc_sql_v2_4_baseline_first_20"],
    )
    yield (
        "03/b-mdc",
        b,
        {"baseline_end": 19},
        "mdc",
        exp["part_b_mdc_nov2023_two_sigma_rule_baseline_first_20"],
    )


def _case04():
    case = load("04_trend_conflict_issue200.json")
    values, exp = case["input"]["values"], case["expected"]
    yield "04/ptd", values, {"profile": "ptd"}, "ptd", exp["ptd"]
    sql = {**SQL_V24, "minimum_points": 2}
    yield "04/sql-concern", values, sql, "mdc", exp["mdc_sql_v2_4_conflict_rule_concern"]
    yield (
        "04/sql-improvement",
        values,
        {**sql, "conflict": "improvement"},
        "mdc",
        exp["mdc_sql_v2_4_conflict_rule_improvement"],
    )


def _case05():
    case = load("05_ptd_ae_attendances_examples.json")
    inp, exp = case["input"], case["expected"]
    common = {"improvement": "decrease"}
    for trust in ("RQM", "RRK"):
        values, target = inp[trust]["values"], inp[trust]["target"]
        ptd = {**common, "profile": "ptd", "target": target}
        yield f"05/{trust}-ptd", values, ptd, "ptd", exp[f"{trust}_ptd"]
        sql = {**common, **SQL_V24, "target": target}
        yield f"05/{trust}-sql", values, sql, "mdc", exp[f"{trust}_mdc_sql_v2_4"]
    unscreened = {**common, "profile": "ptd", "target": inp["RQM"]["target"], "screen": False}
    yield (
        "05/RQM-ptd-unscreened",
        inp["RQM"]["values"],
        unscreened,
        "ptd",
        exp["RQM_ptd_unscreened_like_mdc_excel"],
    )


def _case06():
    case = load("06_mdc_sql_sample_M1_rules.json")
    inp = case["input"]
    direction = {"Up": "increase", "Down": "decrease"}[inp["improvement"]]
    target = float(inp["target"])
    for name, chart in case["charts"].items():
        values = floats(chart["values"])
        sql = {**SQL_V24, "improvement": direction, "target": target}
        yield f"06/{name}-sql", values, sql, "mdc", chart["expected_mdc_sql_v2_4"]
        ptd = {"profile": "ptd", "improvement": direction, "target": target}
        yield f"06/{name}-ptd", values, ptd, "ptd", chart["expected_ptd_default_screened"]
        yield (
            f"06/{name}-ptd-unscreened",
            values,
            {**ptd, "screen": False},
            "ptd",
            chart["expected_ptd_unscreened"],
        )


def _case07():
    case = load("07_mdc_sql_sample_M2_baseline_recalc_ghost.json")
    inp = case["input"]
    options = {
        **SQL_V24,
        "improvement": "decrease",
        "target": inp["target"],
        "baseline_end": inp["baseline_last_index"],
        "recalc": inp["recalculate_limits_index"],
        "ghost": inp["ghost_index"],
    }
    yield "07/sql", inp["values"], options, "mdc", case["expected_mdc_sql_v2_4"]
    ghost = inp["ghost_index"][0]
    without_ghost = inp["values"][:ghost] + inp["values"][ghost + 1 :]
    ptd = {
        "profile": "ptd",
        "improvement": "decrease",
        "target": inp["target"],
        "recalc": [inp["baseline_last_index"] + 1, *inp["recalculate_limits_index"]],
    }
    yield "07/ptd-approx", without_ghost, ptd, "ptd", case["approximate_ptd_equivalent"]["expected"]


def _case08():
    case = load("08_unit_fixtures.json")
    for row in case["python_port_limit_tests"]:
        computed = row["computed"]
        expected = {
            "groups": [
                {
                    "first_index": 0,
                    "last_index": len(row["values"]) - 1,
                    "mean": computed["mean"],
                    "lpl": computed["lpl"],
                    "upl": computed["upl"],
                    "two_sigma_low": computed["two_sigma_low"],
                    "two_sigma_high": computed["two_sigma_high"],
                }
            ],
            "special_cause_type": computed["special_cause_type"],
        }
        options = {"profile": "ptd", "fix_after_n_points": row["fix_after_n_points"]}
        yield f"08/{row['source_test']}", row["values"], options, "ptd", expected
    for row in case["r_rule_helper_series"]:
        expected = {"groups": [], "special_cause_type": row["computed_special_cause_type"]}
        yield f"08/{row['source'][:60]}", row["values"], {"profile": "ptd"}, "ptd-labels", expected


def check_chunky(result: dict, expected: dict) -> list[str]:
    """The chunky-data warnings: none under "ignore"; under "flag" and "suppress" one per
    chunky group, naming the group, the resolution and the count of possible moving ranges,
    and ending "special causes not shown" only under "suppress"."""
    mode, rule = expected["mode"], expected["rule"]
    texts = [w for w in result["warnings"] if "chunky data" in w]
    if mode == "ignore":
        return [f"unexpected {texts}"] if texts else []
    want = [g for g in rule["groups"] if g["chunky"]]
    found = read_warnings(result["warnings"])
    problems = []
    if [f["group"] for f in found] != [g["group"] for g in want] or len(texts) != len(want):
        return [f"chunky warnings {texts}, expected groups {[g['group'] for g in want]}"]
    for text, got, group in zip(texts, found, want, strict=True):
        if not close(got["resolution"], rule["resolution"]):
            problems.append(f"resolution {got['resolution']}")
        if got["suppressed"] != (mode == "suppress"):
            problems.append(f"suppressed {got['suppressed']}")
        count = group["possible_moving_ranges"]
        if f" {count} possible moving range" not in text:
            problems.append(f"count in {text!r}")
    return problems


def _case09():
    case = load_own("09_platform_chunky_data.json")
    for entry in case["series"]:
        name, values, shape = entry["name"], entry["values"], entry["shape"]
        for mode in ("ignore", "flag", "suppress"):
            expected = entry["expected_suppress" if mode == "suppress" else "expected_ignore"]
            expected = {**expected, "chunky": {"mode": mode, "rule": entry["chunky_rule"]}}
            options = {**entry["options"], "chunky": mode}
            yield f"09/{name}-{mode}", values, options, shape, expected


def scenarios():
    for source in (_case01, _case02, _case03, _case04, _case05, _case06, _case07, _case08):
        yield from source()
    yield from _case09()
