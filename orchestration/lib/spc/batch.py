"""XmR charts for many measures at once from a long (measure x period) DataFrame.

The arithmetic and rules run once over every measure in `spc.core.compute` (the same code
`spc.xmr` calls for a single series), so results are identical to calling `xmr` per measure.
Only option handling and the per-measure summary are per-measure Python.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.lib.spc import RULES, summarise
from orchestration.lib.spc.core import compute
from orchestration.lib.spc.plan import plan_series

_RULE_SETS = [[r for bit, r in enumerate(RULES) if code >> bit & 1] for code in range(16)]


def _rule_lists(flags: np.ndarray) -> list[list[str]]:
    codes = flags.astype(np.int64) @ (1 << np.arange(len(RULES)))
    return [_RULE_SETS[code].copy() for code in codes.tolist()]


def xmr_frame(
    df: pd.DataFrame,
    value_col: str = "value",
    by: str = "measure_id",
    order: str = "period_start",
    options_by_group: dict | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (points_df, summary_df).

    points_df: one row per measure x point with the fields of `xmr(...)["points"]` plus the
    point's group mean, limits and two-sigma lines (null when SPC is not shown).
    summary_df: one row per measure: spc_shown, variation_icon, assurance_icon, latest value
    and period, n (live points) and warnings. `options_by_group` maps a measure id to the
    keyword options of `xmr`; point indices in them count the measure's rows in `order`.
    """
    options_by_group = options_by_group or {}
    ordered = df.sort_values([by, order], kind="stable").reset_index(drop=True)
    keys = ordered[by].to_numpy()
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.array([])
    bounds = np.r_[starts, len(keys)].astype(int)
    raw = ordered[value_col].to_numpy(dtype=float, na_value=np.nan)
    measures = [keys[s] for s in starts]
    plans = [
        plan_series(raw[bounds[i] : bounds[i + 1]], options_by_group.get(measure, {}))
        for i, measure in enumerate(measures)
    ]
    core = compute(plans)

    part = core.point_part
    shown_pt = core.spc_shown[core.point_series]
    local_index = np.arange(len(keys)) - bounds[core.point_series] if len(keys) else part
    first_part = np.searchsorted(core.part_series, np.arange(len(plans)))
    ghost = ~core.live

    def limit(array):
        return pd.array(np.where(shown_pt, array[part], np.nan), dtype="Float64")

    points = pd.DataFrame(
        {
            by: keys,
            order: ordered[order].to_numpy(),
            "index": local_index.astype(np.int64),
            "value": pd.array(raw, dtype="Float64"),
            "group": (part - first_part[core.point_series]).astype(np.int64),
            "ghost": ghost,
            "rules_high": _rule_lists(core.rules_high),
            "rules_low": _rule_lists(core.rules_low),
            "point_type": pd.Series(core.point_type, dtype=object),
            "special_cause_type": pd.Series(core.ptd_label, dtype=object),
            "mean": pd.array(core.mean[part], dtype="Float64"),
            "upl": limit(core.upl),
            "lpl": limit(core.lpl),
            "upper_two_sigma": limit(core.upper_two_sigma),
            "lower_two_sigma": limit(core.lower_two_sigma),
        }
    )

    rows = []
    periods = ordered[order].to_numpy()
    for series, (measure, plan) in enumerate(zip(measures, plans, strict=True)):
        summary = summarise(plan, core, series)
        last = int(core.last_live_point[series])
        rows.append(
            {
                by: measure,
                "spc_shown": summary["spc_shown"],
                "variation_icon": summary["variation_icon"],
                "assurance_icon": summary["assurance_icon"],
                "latest_value": float(raw[last]) if last >= 0 else None,
                "latest_period": periods[last] if last >= 0 else None,
                "n": int(plan.live.sum()),
                "warnings": summary["warnings"],
            }
        )
    # object columns keep None as None (pandas would infer strings and turn None into NaN)
    columns = [by, "spc_shown", "variation_icon", "assurance_icon"]
    columns += ["latest_value", "latest_period", "n", "warnings"]
    summary_df = pd.DataFrame(
        {column: pd.Series([row[column] for row in rows], dtype=object) for column in columns}
    )
    summary_df["spc_shown"] = summary_df["spc_shown"].astype(bool)
    summary_df["n"] = summary_df["n"].astype(np.int64)
    return points, summary_df
