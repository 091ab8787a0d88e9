"""Validate XmR options and lay out one series' partitions (see tests/fixtures/spc/README.md).

A plan is everything the array core needs about one series that is not arithmetic: which
points are live (not ghosted, not missing), where partitions start, which partition's figures
a partition's limits come from (baseline carry-forward) and the per-series rule settings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from orchestration.lib.spc.chunky import MODES as CHUNKY_MODES
from orchestration.lib.spc.chunky import infer_resolution

PROFILES = ("mdc", "ptd")
IMPROVEMENT_SIGN = {
    "increase": 1,
    "up": 1,
    "higher": 1,
    "decrease": -1,
    "down": -1,
    "lower": -1,
    "neutral": 0,
    "neither": 0,
}
KNOWN_OPTIONS = {
    "profile",
    "improvement",
    "target",
    "recalc",
    "ghost",
    "baseline_end",
    "fix_after_n_points",
    "screen",
    "conflict",
    "two_of_three",
    "shift_points",
    "trend_points",
    "minimum_points",
    "chunky",
    "resolution",
}

# minimum_points asking for a run chart whatever the length: no limits or signals are drawn
# (a measure whose registry entry says `signals: none`, analysis/fit.py).
RUN_CHART_ONLY = 10**6


@dataclass
class SeriesPlan:
    values: np.ndarray  # float, NaN where missing
    live: np.ndarray  # bool: neither ghosted nor missing
    ghost: np.ndarray  # bool: ghosted or missing (plotted, excluded from everything)
    partition: np.ndarray  # int, local partition number per point
    part_first: list[int]
    part_last: list[int]
    part_source: list[int]  # local partition whose mean/AMR give this partition's limits
    profile: str
    improvement: int
    target: float | None
    screen: bool
    conflict_improvement_wins: bool
    band_only: bool
    shift_points: int
    trend_points: int
    minimum_points: int
    fix_after_n_points: int | None
    chunky: str = "ignore"  # "ignore" | "flag" | "suppress" (Wheeler's chunky-data rule)
    resolution: float | None = None  # given, or the smallest step between live values
    warnings: list[str] = field(default_factory=list)


def _as_float(value) -> float:
    if value is None:
        return math.nan
    number = float(value)
    return number


def _indices(raw, n: int, name: str) -> list[int]:
    if raw is None:
        return []
    if isinstance(raw, int | np.integer):
        raw = [raw]
    out = []
    for item in raw:
        index = int(item)
        if index < 0 or index >= n:
            raise ValueError(f"{name} index {index} is outside the series (0..{n - 1})")
        out.append(index)
    return sorted(set(out))


def _int_setting(value, default: int, name: str, low: int, high: int) -> int:
    if value is None:
        return default
    number = int(value)
    if not low <= number <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {number}")
    return number


def _resolve_target(target, live: np.ndarray) -> float | None:
    if target is None:
        return None
    if isinstance(target, str):
        target = float(target)
    if isinstance(target, Sequence) or isinstance(target, np.ndarray):
        if len(target) != len(live):
            raise ValueError("a per-point target must have one entry per value")
        live_at = np.flatnonzero(live)
        if len(live_at) == 0:
            return None
        chosen = target[int(live_at[-1])]
        if chosen is None:
            return None
        target = chosen
    number = float(target)
    return None if math.isnan(number) else number


def _chunky_mode(value) -> str:
    mode = "ignore" if value is None else value
    if not isinstance(mode, str) or mode not in CHUNKY_MODES:
        raise ValueError(f"chunky must be 'ignore', 'flag' or 'suppress', got {value!r}")
    return mode


def _resolution(value, live_values: np.ndarray, mode: str) -> float | None:
    """The recording step: the one given, or the smallest step between the live values
    (only worked out when the chunky-data rule is asked for)."""
    if value is None:
        return None if mode == "ignore" else infer_resolution(live_values)
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"resolution must be a positive number, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"resolution must be a positive number, got {value!r}")
    return number


def plan_series(values, options: dict) -> SeriesPlan:
    unknown = set(options) - KNOWN_OPTIONS
    if unknown:
        raise ValueError(f"unknown XmR option(s): {', '.join(sorted(unknown))}")
    profile = options.get("profile") or "mdc"
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    improvement_name = str(options.get("improvement") or "increase").lower()
    if improvement_name not in IMPROVEMENT_SIGN:
        raise ValueError(f"improvement must be increase, decrease or neutral: {improvement_name!r}")

    floats = np.array([_as_float(v) for v in values], dtype=float)
    n = len(floats)
    warnings: list[str] = []
    missing = np.isnan(floats)
    if missing.any():
        warnings.append("missing values treated as ghosted")
    ghost = missing.copy()
    ghost[_indices(options.get("ghost"), n, "ghost")] = True
    live = ~ghost

    recalc = [i for i in _indices(options.get("recalc"), n, "recalc") if i > 0]
    baseline_end = options.get("baseline_end")
    fix_n = options.get("fix_after_n_points")
    if profile == "ptd" and baseline_end is not None:
        raise ValueError("baseline_end is an mdc option; use fix_after_n_points with ptd")
    if profile == "mdc" and fix_n is not None:
        raise ValueError("fix_after_n_points is a ptd option; use baseline_end with mdc")
    if fix_n is not None:
        fix_n = int(fix_n)
        if fix_n < 1:
            raise ValueError("fix_after_n_points must be a positive number of points")
        if fix_n < 12:
            warnings.append("fix_after_n_points below 12 (NHSRplotthedots refuses this)")

    starts = {0, *recalc}
    carried_start = None
    if baseline_end is not None and n:
        baseline_end = int(baseline_end)
        if baseline_end < 0:
            raise ValueError("baseline_end must be a point index")
        inside = [i for i in recalc if i <= baseline_end]
        if inside:
            warnings.append("recalculation within baseline ignored")
            starts -= set(inside)
        if baseline_end + 1 < n:
            starts.add(baseline_end + 1)
            if baseline_end + 1 not in recalc:
                carried_start = baseline_end + 1

    is_start = np.zeros(n, dtype=bool)
    is_start[sorted(s for s in starts if s < n)] = True
    partition = np.cumsum(is_start) - 1 if n else np.zeros(0, dtype=int)
    first = sorted(s for s in starts if s < n)
    last = [*(s - 1 for s in first[1:]), n - 1] if n else []
    source = list(range(len(first)))
    if carried_start is not None:
        source[first.index(carried_start)] = 0

    two_rule = options.get("two_of_three") or ("beyond_two_sigma" if profile == "mdc" else "band")
    if two_rule not in ("beyond_two_sigma", "band"):
        raise ValueError("two_of_three must be 'beyond_two_sigma' or 'band'")
    conflict = options.get("conflict") or "improvement"
    if conflict not in ("improvement", "concern"):
        raise ValueError("conflict must be 'improvement' or 'concern'")
    screen = options.get("screen")
    chunky = _chunky_mode(options.get("chunky"))
    return SeriesPlan(
        values=floats,
        live=live,
        ghost=ghost,
        partition=partition.astype(np.int64),
        part_first=first,
        part_last=last,
        part_source=source,
        profile=profile,
        improvement=IMPROVEMENT_SIGN[improvement_name],
        target=_resolve_target(options.get("target"), live),
        screen=(profile == "ptd") if screen is None else bool(screen),
        conflict_improvement_wins=conflict == "improvement",
        band_only=two_rule == "band",
        shift_points=_int_setting(options.get("shift_points"), 7, "shift_points", 6, 8),
        trend_points=_int_setting(options.get("trend_points"), 7, "trend_points", 6, 8),
        minimum_points=_int_setting(
            options.get("minimum_points"), 13, "minimum_points", 1, RUN_CHART_ONLY
        ),
        fix_after_n_points=fix_n,
        chunky=chunky,
        resolution=_resolution(options.get("resolution"), floats[live], chunky),
        warnings=warnings,
    )
