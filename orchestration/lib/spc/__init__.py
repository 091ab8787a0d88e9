"""Capability (XmR) charts in the style of NHS England's Making Data Count.

`xmr(values, **options)` is the contract in tests/fixtures/spc/README.md section B. Profiles:
`mdc` (default, current MDC practice) and `ptd` (NHSRplotthedots 0.2.2 compatible). Pure
Python + numpy: no Dagster, no database.

One option is the platform's own, outside both references: `chunky` ("ignore", the default,
so both profiles stay exactly as the references | "flag" | "suppress") with `resolution`
(the recording step; by default the smallest step between the live values). It applies
Donald J. Wheeler's chunky-data rule ("The Problem of Chunky Data", Quality Digest, 10 July
2023; see spc.chunky) to each set of limits: three or fewer possible moving ranges within
the upper range limit 3.268 x AMR mean the recording step is too coarse for the variation
and the limits cannot be trusted. "flag" adds a "chunky data" warning per such partition and
changes nothing else. "suppress" adds the same warnings and reads no signal against those
limits: every point of a chunky partition is common cause with no rule, and when the latest
partition is chunky the variation icon and the assurance icon (which compares the target
with those same limits) are None.
"""

from __future__ import annotations

import math

import numpy as np

from orchestration.lib.spc import chunky
from orchestration.lib.spc.core import TIE_TOLERANCE, CoreResult, compute
from orchestration.lib.spc.plan import RUN_CHART_ONLY, SeriesPlan, plan_series

RULES = ("astronomical", "shift", "trend", "two_of_three")
TRIAL_LIMIT_POINTS = {"mdc": 12, "ptd": 13}
VARIATION_ICON = {
    ("special_cause_improvement", 1): "improvement_high",
    ("special_cause_improvement", -1): "improvement_low",
    ("special_cause_concern", 1): "concern_low",
    ("special_cause_concern", -1): "concern_high",
}


def xmr(values, **options) -> dict:
    """One XmR chart: groups (partitions), points, icons and warnings, JSON-serialisable."""
    plan = plan_series(list(values), options)
    core = compute([plan])
    return build_result(plan, core, 0)


def _number(value) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def build_result(plan: SeriesPlan, core: CoreResult, series: int) -> dict:
    """Turn one series' slice of the core arrays into the contract's dict."""
    shown = bool(core.spc_shown[series])
    parts = np.flatnonzero(core.part_series == series)
    groups = [_group(plan, core, int(part), local, shown) for local, part in enumerate(parts)]
    point_rows = np.flatnonzero(core.point_series == series)
    first_part = int(parts[0]) if len(parts) else 0
    points = []
    for local, row in enumerate(point_rows):
        point = {
            "index": local,
            "value": _number(plan.values[local]),
            "group": int(core.point_part[row]) - first_part,
            "ghost": bool(plan.ghost[local]),
            "rules_high": [r for r, hit in zip(RULES, core.rules_high[row], strict=True) if hit],
            "rules_low": [r for r, hit in zip(RULES, core.rules_low[row], strict=True) if hit],
            "point_type": core.point_type[row],
        }
        if plan.profile == "ptd":
            point["special_cause_type"] = core.ptd_label[row]
        points.append(point)

    summary = summarise(plan, core, series)
    return {
        "profile": plan.profile,
        "spc_shown": shown,
        "groups": groups,
        "points": points,
        "variation_icon": summary["variation_icon"],
        "assurance_icon": summary["assurance_icon"],
        "warnings": summary["warnings"],
    }


def summarise(plan: SeriesPlan, core: CoreResult, series: int) -> dict:
    """Icons and warnings of one series, straight from the core arrays."""
    shown = bool(core.spc_shown[series])
    parts = np.flatnonzero(core.part_series == series)
    last = int(core.last_live_point[series])
    warnings = list(plan.warnings)
    variation_icon = assurance_icon = None
    if shown and last >= 0:
        variation_icon = _variation_icon(core.point_type[last], plan.improvement)
        latest = int(core.point_part[last])
        assurance_icon = assurance(
            plan.profile,
            plan.improvement,
            plan.target,
            float(core.upl[latest]),
            float(core.lpl[latest]),
            _tolerance(plan),
        )
        counts = core.part_n[parts]
        if (counts < TRIAL_LIMIT_POINTS[plan.profile]).any():
            warnings.append("trial limits")
        if ((core.amr[parts] == 0) & (counts > 0)).any():
            warnings.append("no variation")
        warnings.extend(_chunky_warnings(plan, core, parts))
        if plan.chunky == "suppress" and core.chunky[latest]:
            variation_icon = assurance_icon = None
    elif not shown and plan.minimum_points >= RUN_CHART_ONLY:
        warnings.append("a run chart by design: no process limits are drawn")
    elif not shown:
        warnings.append(f"fewer than {plan.minimum_points} points: shown as a run chart")
    return {
        "spc_shown": shown,
        "variation_icon": variation_icon,
        "assurance_icon": assurance_icon,
        "warnings": warnings,
    }


def _chunky_warnings(plan: SeriesPlan, core: CoreResult, parts: np.ndarray) -> list[str]:
    """One "chunky data" warning per partition whose limits fail Wheeler's rule."""
    out = []
    for local, part in enumerate(parts):
        if not core.chunky[part]:
            continue
        out.append(
            chunky.warning(
                group=local,
                first=plan.part_first[local],
                last=plan.part_last[local],
                carried=plan.part_source[local] != local,
                resolution=plan.resolution,
                amr=float(core.amr[part]),
                count=int(core.possible_mr_values[part]),
                suppressed=plan.chunky == "suppress",
            )
        )
    return out


def _group(plan: SeriesPlan, core: CoreResult, part: int, local: int, shown: bool) -> dict:
    n = int(core.part_n[part])
    source = plan.part_source[local]
    first, last = plan.part_first[local], plan.part_last[local]
    screened = [i for i in range(first, last + 1) if core.screened_out[_row(core, part, i, first)]]

    def limit(array):
        return _number(array[part]) if shown else None

    return {
        "first_index": first,
        "last_index": last,
        "n": n,
        "mean": _number(core.mean[part]),
        "amr": _number(core.amr[part]),
        "amr_before_screening": _number(core.amr_before_screening[part]),
        "mr_screened_out": screened,
        "upl": limit(core.upl),
        "lpl": limit(core.lpl),
        "upper_two_sigma": limit(core.upper_two_sigma),
        "lower_two_sigma": limit(core.lower_two_sigma),
        "trial_limits": bool(shown and n < TRIAL_LIMIT_POINTS[plan.profile]),
        "limits_from": "own" if source == local else "baseline",
    }


def _row(core: CoreResult, part: int, index: int, first: int) -> int:
    # global row of point `index`: rows of a partition are contiguous
    start = int(np.searchsorted(core.point_part, part))
    return start + (index - first)


def _tolerance(plan: SeriesPlan) -> float:
    live = plan.values[plan.live]
    return TIE_TOLERANCE * float(np.max(np.abs(live))) if len(live) else 0.0


def _variation_icon(point_type, improvement: int) -> str | None:
    if point_type is None:
        return None
    if point_type == "common_cause":
        return "common_cause"
    if point_type == "special_cause_neutral_high":
        return "neither_high"
    if point_type == "special_cause_neutral_low":
        return "neither_low"
    return VARIATION_ICON[(point_type, improvement)]


def assurance(profile: str, improvement: int, target, upl, lpl, tol: float = 0.0) -> str | None:
    """Assurance icon from the latest limits: MDC is inclusive (a target on a limit passes or
    fails), PTD strict. `improvement` is +1 (increase), -1 (decrease) or 0 (neutral)."""
    if target is None or improvement == 0 or upl is None or lpl is None:
        return None
    if profile == "mdc":
        at_or_above_upl, at_or_below_lpl = target >= upl - tol, target <= lpl + tol
    else:
        at_or_above_upl, at_or_below_lpl = target > upl + tol, target < lpl - tol
    if improvement > 0:
        if at_or_above_upl:
            return "fail"
        return "pass" if at_or_below_lpl else "hit_or_miss"
    if at_or_above_upl:
        return "pass"
    return "fail" if at_or_below_lpl else "hit_or_miss"
