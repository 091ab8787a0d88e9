"""XmR charts for many measures at once from a long (measure x period) DataFrame.

The arithmetic and rules run once over every measure in `spc_core.compute` (the same code
`spc.xmr` calls for a single series), so results are identical to calling `xmr` per measure.
Only option handling and the per-measure summary are per-measure Python.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.lib.spc import RULES, summarise
from orchestration.lib.spc_core import compute
from orchestration.lib.spc_plan import plan_series


def _rule_lists(flags: np.ndarray) -> list[list[str]]:
    names = np.array(RULES, dtype=object)
    return [list(names[row]) for row in flags]


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
            "point_type": core.point_type,
            "special_cause_type": core.ptd_label,
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
    summary_df = pd.DataFrame(
        rows,
        columns=[
            by,
            "spc_shown",
            "variation_icon",
            "assurance_icon",
            "latest_value",
            "latest_period",
            "n",
            "warnings",
        ],
    )
    return points, summary_df
