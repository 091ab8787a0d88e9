"""The XmR arithmetic and the four rules, vectorised over many series at once.

Both `spc.xmr` (one series) and `spc.batch.xmr_frame` (many) call `compute`, so the two paths
give identical figures by construction. Every step works on flat numpy arrays of the live
(non-ghosted, non-missing) points of all series, concatenated in series then time order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orchestration.lib.spc.plan import SeriesPlan

LIMIT = 2.66
TWO_SIGMA = 2.66 * 2 / 3
MR_SCREEN = 3.267
# Decision lines are computed in floats; a value this close (relative to the series' largest
# magnitude) counts as exactly on the line, as it would in the exact-arithmetic reference.
TIE_TOLERANCE = 1e-11


@dataclass
class CoreResult:
    # per point (all points of all series, concatenated)
    point_series: np.ndarray
    point_part: np.ndarray  # global partition id
    live: np.ndarray
    rules_high: np.ndarray  # (n, 4) bool: astronomical, shift, trend, two_of_three
    rules_low: np.ndarray
    point_type: np.ndarray  # object: str or None
    ptd_label: np.ndarray  # object: PTD special_cause_type or None
    # per partition
    part_series: np.ndarray
    part_n: np.ndarray
    mean: np.ndarray
    amr: np.ndarray
    amr_before_screening: np.ndarray
    screened_out: np.ndarray  # per point bool: its moving range was screened out
    upl: np.ndarray
    lpl: np.ndarray
    upper_two_sigma: np.ndarray
    lower_two_sigma: np.ndarray
    # per series
    spc_shown: np.ndarray
    last_live_point: np.ndarray  # global point index or -1


def _segment_sum(ids: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(ids, weights=weights, minlength=size)


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _runs(change: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    run_id = np.cumsum(change) - 1
    return run_id, np.bincount(run_id)[run_id] if len(run_id) else run_id


def compute(plans: list[SeriesPlan]) -> CoreResult:
    n_series = len(plans)
    lengths = np.array([len(p.values) for p in plans], dtype=np.int64)
    part_counts = np.array([len(p.part_first) for p in plans], dtype=np.int64)
    part_offset = np.concatenate([[0], np.cumsum(part_counts)[:-1]]).astype(np.int64)
    n_parts = int(part_counts.sum())

    values = np.concatenate([p.values for p in plans]) if n_series else np.zeros(0)
    live = np.concatenate([p.live for p in plans]) if n_series else np.zeros(0, bool)
    point_series = np.repeat(np.arange(n_series), lengths)
    point_part = (
        np.concatenate([p.partition for p in plans]) + np.repeat(part_offset, lengths)
        if n_series
        else np.zeros(0, np.int64)
    )
    part_series = np.repeat(np.arange(n_series), part_counts)
    part_source = (
        np.concatenate([np.asarray(p.part_source, np.int64) for p in plans])
        + np.repeat(part_offset, part_counts)
        if n_series
        else np.zeros(0, np.int64)
    )

    is_ptd = np.array([p.profile == "ptd" for p in plans], dtype=bool)
    screen = np.array([p.screen for p in plans], dtype=bool)
    fix_n = np.array(
        [p.fix_after_n_points if p.fix_after_n_points else np.iinfo(np.int64).max for p in plans],
        dtype=np.int64,
    )
    shift_n = np.array([p.shift_points for p in plans], dtype=np.int64)
    trend_n = np.array([p.trend_points for p in plans], dtype=np.int64)
    band_only = np.array([p.band_only for p in plans], dtype=bool)
    min_points = np.array([p.minimum_points for p in plans], dtype=np.int64)

    # ---- live points only -------------------------------------------------------------
    live_at = np.flatnonzero(live)
    x = values[live_at]
    ser = point_series[live_at]
    part = point_part[live_at]
    m = len(x)
    prev_same_part = np.zeros(m, dtype=bool)
    prev_same_series = np.zeros(m, dtype=bool)
    if m > 1:
        prev_same_part[1:] = part[1:] == part[:-1]
        prev_same_series[1:] = ser[1:] == ser[:-1]
    new_part = ~prev_same_part
    run_id, _ = _runs(new_part)
    part_start_pos = np.flatnonzero(new_part)
    rank = np.arange(m) - (part_start_pos[run_id] if m else 0)

    scale = np.zeros(n_series)
    np.maximum.at(scale, ser, np.abs(x))
    tol = TIE_TOLERANCE * scale[ser]

    used = rank < fix_n[ser]
    diff = np.zeros(m)
    if m > 1:
        diff[1:] = x[1:] - x[:-1]
    has_mr = prev_same_part & used
    mr = np.abs(diff)

    part_n = _segment_sum(part, np.ones(m), n_parts)
    n_used = _segment_sum(part, used.astype(float), n_parts)
    mean_own = _safe_div(_segment_sum(part, np.where(used, x, 0.0), n_parts), n_used)
    mr_count = _segment_sum(part, has_mr.astype(float), n_parts)
    amr_raw = _safe_div(_segment_sum(part, np.where(has_mr, mr, 0.0), n_parts), mr_count)
    amr_raw = np.where(np.isnan(amr_raw) & (n_used > 0), 0.0, amr_raw)

    # Moving-range screening: PTD keeps MR < 3.267 AMR (mean unchanged); the MDC SQL keeps
    # MR <= 3.267 AMR and also drops points whose own MR was screened from the mean.
    threshold = MR_SCREEN * amr_raw[part]
    ptd_point = is_ptd[ser]
    keep = np.where(ptd_point, mr < threshold - tol, mr <= threshold + tol)
    screening = screen[ser] & has_mr
    screened_out_live = screening & ~keep
    kept_mr = has_mr & ~screened_out_live
    amr_screened = _safe_div(
        _segment_sum(part, np.where(kept_mr, mr, 0.0), n_parts),
        _segment_sum(part, kept_mr.astype(float), n_parts),
    )
    amr_screened = np.where(np.isnan(amr_screened) & (n_used > 0), 0.0, amr_screened)
    in_sql_mean = used & ~screened_out_live
    mean_sql = _safe_div(
        _segment_sum(part, np.where(in_sql_mean, x, 0.0), n_parts),
        _segment_sum(part, in_sql_mean.astype(float), n_parts),
    )
    part_screen = screen[part_series]
    part_ptd = is_ptd[part_series]
    amr_own = np.where(part_screen, amr_screened, amr_raw)
    mean_own = np.where(part_screen & ~part_ptd, mean_sql, mean_own)

    mean = mean_own[part_source]
    amr = amr_own[part_source]
    amr_before = amr_raw[part_source]
    upl = mean + LIMIT * amr
    lpl = mean - LIMIT * amr
    upper2 = mean + TWO_SIGMA * amr
    lower2 = mean - TWO_SIGMA * amr

    # ---- rules ------------------------------------------------------------------------
    pm, pu, pl = mean[part], upl[part], lpl[part]
    side = np.where(x > pm + tol, 1, np.where(x < pm - tol, -1, 0))
    above = x > pu + tol
    below = x < pl - tol
    beyond_hi = x > upper2[part] + tol
    beyond_lo = x < lower2[part] - tol
    band = band_only[ser]
    counts_hi = beyond_hi & ~(band & above)
    counts_lo = beyond_lo & ~(band & below)

    # shift: a run of same-side points within a partition
    change = new_part.copy()
    if m > 1:
        change[1:] |= side[1:] != side[:-1]
    _, run_len = _runs(change)
    shift = (side != 0) & (run_len >= shift_n[ser])

    # trend: runs of same-direction steps, across partitions (mdc) or within them (ptd)
    trend_link = np.where(ptd_point, prev_same_part, prev_same_series)
    step = np.where(trend_link, np.sign(diff), 0).astype(np.int64)
    step_change = np.ones(m, dtype=bool)
    if m > 1:
        step_change[1:] = step[1:] != step[:-1]
    _, step_len = _runs(step_change)
    qualifies = (step != 0) & (step_len >= trend_n[ser] - 1)
    up_step = qualifies & (step > 0)
    down_step = qualifies & (step < 0)
    trend_up = up_step.copy()
    trend_down = down_step.copy()
    if m > 1:
        trend_up[:-1] |= up_step[1:]
        trend_down[:-1] |= down_step[1:]

    # two of three: windows of 3 live points in one partition, all on one side of the mean
    counts = counts_hi | counts_lo
    window = np.zeros(m, dtype=bool)
    if m > 2:
        same = (part[:-2] == part[2:]) & (side[:-2] != 0)
        same &= (side[:-2] == side[1:-1]) & (side[1:-1] == side[2:])
        enough = counts[:-2].astype(int) + counts[1:-1] + counts[2:] >= 2
        window[:-2] = same & enough
    in_window = window.copy()
    if m > 1:
        in_window[1:] |= window[:-1]
    if m > 2:
        in_window[2:] |= window[:-2]
    two = counts & in_window

    shown = np.where(is_ptd, True, _segment_sum(ser, np.ones(m), n_series) >= min_points)
    shown &= _segment_sum(ser, np.ones(m), n_series) > 0
    show_pt = shown[ser]
    high = np.stack([above, shift & (side > 0), trend_up, two & (side > 0)], axis=1)
    low = np.stack([below, shift & (side < 0), trend_down, two & (side < 0)], axis=1)
    high &= show_pt[:, None]
    low &= show_pt[:, None]

    point_type, label = _classify(plans, ser, side, high, low, x, trend_up | trend_down, part)
    point_type = np.where(show_pt, point_type, None)
    label = np.where(show_pt & ptd_point, label, None)

    n_points = len(values)
    rules_high = np.zeros((n_points, 4), dtype=bool)
    rules_low = np.zeros((n_points, 4), dtype=bool)
    rules_high[live_at] = high
    rules_low[live_at] = low
    all_type = np.full(n_points, None, dtype=object)
    all_type[live_at] = point_type
    all_label = np.full(n_points, None, dtype=object)
    all_label[live_at] = label
    screened_out = np.zeros(n_points, dtype=bool)
    screened_out[live_at] = screened_out_live

    last_live = np.full(n_series, -1, dtype=np.int64)
    if m:
        last_live[ser] = live_at  # later assignments win: the last live point of each series
    return CoreResult(
        point_series=point_series,
        point_part=point_part,
        live=live,
        rules_high=rules_high,
        rules_low=rules_low,
        point_type=all_type,
        ptd_label=all_label,
        part_series=part_series,
        part_n=part_n.astype(np.int64),
        mean=mean,
        amr=amr,
        amr_before_screening=amr_before,
        screened_out=screened_out,
        upl=upl,
        lpl=lpl,
        upper_two_sigma=upper2,
        lower_two_sigma=lower2,
        spc_shown=shown,
        last_live_point=last_live,
    )


def _classify(plans, ser, side, high, low, x, in_trend, part):
    """Point types: MDC evaluates every rule and resolves conflicts; PTD labels by priority."""
    improvement = np.array([p.improvement for p in plans], dtype=np.int64)[ser]
    improvement_wins = np.array([p.conflict_improvement_wins for p in plans], dtype=bool)[ser]
    is_ptd = np.array([p.profile == "ptd" for p in plans], dtype=bool)[ser]
    shift_n = np.array([p.shift_points for p in plans], dtype=np.int64)[ser]
    trend_n = np.array([p.trend_points for p in plans], dtype=np.int64)[ser]
    any_high = high.any(axis=1)
    any_low = low.any(axis=1)

    good = np.where(improvement > 0, any_high, any_low)
    bad = np.where(improvement > 0, any_low, any_high)
    wins_good = good & (~bad | improvement_wins)
    mdc_type = np.where(
        improvement == 0,
        np.where(
            any_high,
            "special_cause_neutral_high",
            np.where(any_low, "special_cause_neutral_low", "common_cause"),
        ),
        np.where(
            wins_good,
            "special_cause_improvement",
            np.where(bad, "special_cause_concern", "common_cause"),
        ),
    )

    # PTD: outside limits > trend > two-of-three > shift; a trend point's direction is the
    # step to the next point when that point is also in a trend, else the step from the last.
    m = len(x)
    next_in_trend = np.zeros(m, dtype=bool)
    step_next = np.zeros(m)
    step_prev = np.zeros(m)
    if m > 1:
        same_next = part[1:] == part[:-1]
        next_in_trend[:-1] = in_trend[1:] & same_next
        step_next[:-1] = np.sign(x[1:] - x[:-1])
        step_prev[1:] = np.where(same_next, np.sign(x[1:] - x[:-1]), 0)
    trend_dir = np.where(np.where(in_trend & next_in_trend, step_next, step_prev) == 1, 1, -1)
    outside = high[:, 0] | low[:, 0]
    two = high[:, 3] | low[:, 3]
    shift = high[:, 1] | low[:, 1]
    side_dir = np.where(side == 1, 1, -1)
    direction = np.select(
        [outside, high[:, 2] | low[:, 2], two, shift],
        [side_dir, trend_dir, side_dir, side_dir],
        0,
    )
    # PTD labels, built only where a PTD point is special (string work is the slow part)
    label = np.full(m, "Common Cause", dtype=object)
    at = np.flatnonzero(is_ptd & (direction != 0))
    if len(at):
        word = np.where(side[at] > 0, "Above", "Below")
        trend_word = np.where(trend_dir[at] == 1, "Increasing", "Decreasing")
        label[at] = np.select(
            [outside[at], (high[at, 2] | low[at, 2]), two[at], shift[at]],
            [
                _join(np.where(side[at] == 1, "Above UCL", "Below LCL")),
                _join(trend_n[at].astype(str), " Point Trend (", trend_word, ")"),
                _join("2 in 3 ", word, " CL"),
                _join(shift_n[at].astype(str), " Points ", word, " CL"),
            ],
            "Common Cause",
        )
    oriented = direction * improvement
    ptd_type = np.where(
        improvement == 0,
        np.where(
            direction > 0,
            "special_cause_neutral_high",
            np.where(direction < 0, "special_cause_neutral_low", "common_cause"),
        ),
        np.where(
            oriented > 0,
            "special_cause_improvement",
            np.where(oriented < 0, "special_cause_concern", "common_cause"),
        ),
    )
    return np.where(is_ptd, ptd_type, mdc_type).astype(object), label


def _join(*parts):
    out = np.asarray(parts[0]).astype(object)
    for part in parts[1:]:
        out = out + np.asarray(part).astype(object)
    return out
