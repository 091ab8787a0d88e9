"""The XmR arithmetic and the four rules, vectorised over many series at once.

Both `spc.xmr` (one series) and `spc.batch.xmr_frame` (many) call `compute`, so the two paths
give identical figures by construction. Every step works on flat numpy arrays of the live
(non-ghosted, non-missing) points of all series, concatenated in series then time order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orchestration.lib.spc.chunky import MOST_POSSIBLE_VALUES_WHEN_CHUNKY, possible_values
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
    # per partition: Wheeler's chunky-data rule (NaN / False where it is not asked for)
    possible_mr_values: np.ndarray  # possible moving ranges within the upper range limit
    chunky: np.ndarray  # too few of them: the partition's limits cannot be trusted


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
    """Limits, rules and point types of every series in one pass over flat arrays.

    The steps, each below: lay the series end to end; take the live points; the partitions'
    limits (moving-range screening, baseline carry-forward); whether each series is shown as
    SPC at all; which partitions' limits are chunky (where asked); each point's side of the
    mean and the four rules (cleared in chunky partitions under "suppress"); the point types;
    and back out to every point, ghosts included.
    """
    layout = _lay_out(plans)
    pts = _live_points(layout)
    limits = _limits(layout, pts)
    shown = _spc_shown(layout, pts)
    possible, chunky = _chunky(layout, limits, shown)
    side = _side_of_mean(pts, limits)
    high, low, in_trend = _rules(layout, pts, limits, side, shown)
    quiet = layout.suppress_chunky[pts.ser] & chunky[pts.part]
    high[quiet] = low[quiet] = in_trend[quiet] = False
    point_type, label = _classify(layout, pts, side, high, low, in_trend, shown)
    result = _result(layout, pts, limits, shown, high, low, point_type, label)
    result.possible_mr_values, result.chunky = possible, chunky
    return result


@dataclass
class _Layout:
    """Every series' points and partitions laid end to end, and each series' settings.

    One flat layout is what lets a single vectorised pass serve one series (`xmr`) and
    thousands (`xmr_frame`) alike, with identical arithmetic either way.
    """

    n_series: int
    n_parts: int
    values: np.ndarray  # per point
    live: np.ndarray
    point_series: np.ndarray
    point_part: np.ndarray  # global partition id
    part_series: np.ndarray  # per partition
    part_source: np.ndarray  # global partition whose figures give this one's limits
    is_ptd: np.ndarray  # per series
    improvement: np.ndarray  # 1 higher is better, -1 lower is, 0 neither
    improvement_wins: np.ndarray  # a point both improvement and concern is an improvement
    screen: np.ndarray
    fix_n: np.ndarray
    shift_n: np.ndarray
    trend_n: np.ndarray
    band_only: np.ndarray
    min_points: np.ndarray
    check_chunky: np.ndarray  # chunky option "flag" or "suppress"
    suppress_chunky: np.ndarray  # chunky option "suppress"
    resolution: np.ndarray  # recording step, NaN when unknown


def _lay_out(plans: list[SeriesPlan]) -> _Layout:
    """Concatenate the plans: local partition numbers become global ids (offset per series),
    and the per-series settings become arrays indexable by series number."""
    n_series = len(plans)
    lengths = np.array([len(p.values) for p in plans], dtype=np.int64)
    part_counts = np.array([len(p.part_first) for p in plans], dtype=np.int64)
    part_offset = np.concatenate([[0], np.cumsum(part_counts)[:-1]]).astype(np.int64)
    return _Layout(
        n_series=n_series,
        n_parts=int(part_counts.sum()),
        values=np.concatenate([p.values for p in plans]) if n_series else np.zeros(0),
        live=np.concatenate([p.live for p in plans]) if n_series else np.zeros(0, bool),
        point_series=np.repeat(np.arange(n_series), lengths),
        point_part=(
            np.concatenate([p.partition for p in plans]) + np.repeat(part_offset, lengths)
            if n_series
            else np.zeros(0, np.int64)
        ),
        part_series=np.repeat(np.arange(n_series), part_counts),
        part_source=(
            np.concatenate([np.asarray(p.part_source, np.int64) for p in plans])
            + np.repeat(part_offset, part_counts)
            if n_series
            else np.zeros(0, np.int64)
        ),
        is_ptd=np.array([p.profile == "ptd" for p in plans], dtype=bool),
        improvement=np.array([p.improvement for p in plans], dtype=np.int64),
        improvement_wins=np.array([p.conflict_improvement_wins for p in plans], dtype=bool),
        screen=np.array([p.screen for p in plans], dtype=bool),
        fix_n=np.array(
            [
                p.fix_after_n_points if p.fix_after_n_points else np.iinfo(np.int64).max
                for p in plans
            ],
            dtype=np.int64,
        ),
        shift_n=np.array([p.shift_points for p in plans], dtype=np.int64),
        trend_n=np.array([p.trend_points for p in plans], dtype=np.int64),
        band_only=np.array([p.band_only for p in plans], dtype=bool),
        min_points=np.array([p.minimum_points for p in plans], dtype=np.int64),
        check_chunky=np.array([p.chunky != "ignore" for p in plans], dtype=bool),
        suppress_chunky=np.array([p.chunky == "suppress" for p in plans], dtype=bool),
        resolution=np.array(
            [np.nan if p.resolution is None else p.resolution for p in plans], dtype=float
        ),
    )


@dataclass
class _LivePoints:
    """The live points (not ghosted, not missing) of all series, in series then time order,
    with what the limits and rules need to know about each one's neighbours."""

    at: np.ndarray  # index of each live point among all points
    x: np.ndarray  # its value
    ser: np.ndarray  # its series
    part: np.ndarray  # its global partition
    ptd: np.ndarray  # its series uses the PTD profile
    prev_same_part: np.ndarray  # the previous live point is in the same partition
    prev_same_series: np.ndarray  # ... in the same series
    new_part: np.ndarray  # first live point of its partition
    rank: np.ndarray  # position among its partition's live points
    tol: np.ndarray  # tie tolerance of its series
    diff: np.ndarray  # step from the previous live point (0 for the very first)
    mr: np.ndarray  # moving range, |diff|

    @property
    def m(self) -> int:
        return len(self.x)


def _live_points(layout: _Layout) -> _LivePoints:
    """Drop ghosted and missing points: limits and rules see only live points, so a moving
    range or a run goes straight from the live point before a ghost to the one after it."""
    live_at = np.flatnonzero(layout.live)
    x = layout.values[live_at]
    ser = layout.point_series[live_at]
    part = layout.point_part[live_at]
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

    # Ties are judged relative to the series' largest magnitude (see TIE_TOLERANCE).
    scale = np.zeros(layout.n_series)
    np.maximum.at(scale, ser, np.abs(x))
    diff = np.zeros(m)
    if m > 1:
        diff[1:] = x[1:] - x[:-1]
    return _LivePoints(
        at=live_at,
        x=x,
        ser=ser,
        part=part,
        ptd=layout.is_ptd[ser],
        prev_same_part=prev_same_part,
        prev_same_series=prev_same_series,
        new_part=new_part,
        rank=rank,
        tol=TIE_TOLERANCE * scale[ser],
        diff=diff,
        mr=np.abs(diff),
    )


@dataclass
class _Limits:
    """Per partition: its live point count, the mean and average moving range its limits come
    from (its own, or its baseline's when carried forward) and the lines drawn from them."""

    part_n: np.ndarray
    mean: np.ndarray
    amr: np.ndarray
    amr_before: np.ndarray  # AMR before moving-range screening
    upl: np.ndarray
    lpl: np.ndarray
    upper2: np.ndarray
    lower2: np.ndarray
    screened_out_live: np.ndarray  # per live point: its moving range was screened out


def _limits(layout: _Layout, pts: _LivePoints) -> _Limits:
    """Each partition's mean and AMR from its own points (the first `fix_after_n_points` only,
    under PTD's fixed limits), screened where asked, then carried forward from the baseline
    partition where the plan says so; the process limits and two-sigma lines follow."""
    n_parts, part = layout.n_parts, pts.part
    used = pts.rank < layout.fix_n[pts.ser]
    has_mr = pts.prev_same_part & used

    part_n = _segment_sum(part, np.ones(pts.m), n_parts)
    n_used = _segment_sum(part, used.astype(float), n_parts)
    mean_own = _safe_div(_segment_sum(part, np.where(used, pts.x, 0.0), n_parts), n_used)
    mr_count = _segment_sum(part, has_mr.astype(float), n_parts)
    amr_raw = _safe_div(_segment_sum(part, np.where(has_mr, pts.mr, 0.0), n_parts), mr_count)
    amr_raw = np.where(np.isnan(amr_raw) & (n_used > 0), 0.0, amr_raw)

    screened_out_live, amr_screened, mean_sql = _screen_moving_ranges(
        layout, pts, used, has_mr, amr_raw, n_used
    )
    part_screen = layout.screen[layout.part_series]
    part_ptd = layout.is_ptd[layout.part_series]
    amr_own = np.where(part_screen, amr_screened, amr_raw)
    mean_own = np.where(part_screen & ~part_ptd, mean_sql, mean_own)

    mean = mean_own[layout.part_source]
    amr = amr_own[layout.part_source]
    return _Limits(
        part_n=part_n,
        mean=mean,
        amr=amr,
        amr_before=amr_raw[layout.part_source],
        upl=mean + LIMIT * amr,
        lpl=mean - LIMIT * amr,
        upper2=mean + TWO_SIGMA * amr,
        lower2=mean - TWO_SIGMA * amr,
        screened_out_live=screened_out_live,
    )


def _screen_moving_ranges(layout, pts, used, has_mr, amr_raw, n_used):
    """Moving-range screening, so one wild point does not widen the limits.

    PTD keeps MR < 3.267 AMR (mean unchanged); the MDC SQL keeps MR <= 3.267 AMR and also drops
    points whose own MR was screened from the mean. Returns which live points' moving ranges
    were screened out, the screened AMR and the MDC SQL's screened mean, per partition.
    """
    n_parts, part = layout.n_parts, pts.part
    threshold = MR_SCREEN * amr_raw[part]
    keep = np.where(pts.ptd, pts.mr < threshold - pts.tol, pts.mr <= threshold + pts.tol)
    screening = layout.screen[pts.ser] & has_mr
    screened_out_live = screening & ~keep
    kept_mr = has_mr & ~screened_out_live
    amr_screened = _safe_div(
        _segment_sum(part, np.where(kept_mr, pts.mr, 0.0), n_parts),
        _segment_sum(part, kept_mr.astype(float), n_parts),
    )
    amr_screened = np.where(np.isnan(amr_screened) & (n_used > 0), 0.0, amr_screened)
    in_sql_mean = used & ~screened_out_live
    mean_sql = _safe_div(
        _segment_sum(part, np.where(in_sql_mean, pts.x, 0.0), n_parts),
        _segment_sum(part, in_sql_mean.astype(float), n_parts),
    )
    return screened_out_live, amr_screened, mean_sql


def _spc_shown(layout: _Layout, pts: _LivePoints) -> np.ndarray:
    """Per series: shown as SPC (limits, rules) rather than a run chart. MDC asks for the
    series' minimum number of live points; PTD always shows them; no live point, never."""
    live_count = _segment_sum(pts.ser, np.ones(pts.m), layout.n_series)
    shown = np.where(layout.is_ptd, True, live_count >= layout.min_points)
    shown &= live_count > 0
    return shown


def _chunky(layout: _Layout, limits: _Limits, shown: np.ndarray):
    """Wheeler's chunky-data rule per set of limits (see spc.chunky): the possible moving
    ranges within the upper range limit 3.268 x AMR at the series' resolution, and whether
    there are too few. The AMR is the one the partition's limits use (carried forward from
    the baseline where they are), so a carried partition shares its baseline's verdict. Only
    where the series asks for the rule, is shown as SPC and the partition has live points."""
    ser = layout.part_series
    possible = possible_values(limits.amr, layout.resolution[ser])
    asked = layout.check_chunky[ser] & shown[ser] & (limits.part_n > 0) & ~np.isnan(possible)
    possible = np.where(asked, possible, np.nan)
    return possible, asked & (possible <= MOST_POSSIBLE_VALUES_WHEN_CHUNKY)


def _side_of_mean(pts: _LivePoints, limits: _Limits) -> np.ndarray:
    """Per live point: 1 above its partition's mean, -1 below, 0 on it (within the tie
    tolerance). Shift and two-of-three runs and the PTD labels' wording follow it."""
    pm = limits.mean[pts.part]
    return np.where(pts.x > pm + pts.tol, 1, np.where(pts.x < pm - pts.tol, -1, 0))


def _rules(layout, pts, limits, side, shown):
    """The four rules per live point, high and low: (m, 4) flags in the order astronomical,
    shift, trend, two_of_three, cleared for series not shown as SPC; and which points are in a
    trend either way (the PTD labels name its direction)."""
    above = pts.x > limits.upl[pts.part] + pts.tol
    below = pts.x < limits.lpl[pts.part] - pts.tol
    shift = _shift(layout, pts, side)
    trend_up, trend_down = _trend(layout, pts)
    two = _two_of_three(layout, pts, limits, side, above, below)

    show_pt = shown[pts.ser]
    high = np.stack([above, shift & (side > 0), trend_up, two & (side > 0)], axis=1)
    low = np.stack([below, shift & (side < 0), trend_down, two & (side < 0)], axis=1)
    high &= show_pt[:, None]
    low &= show_pt[:, None]
    return high, low, trend_up | trend_down


def _shift(layout: _Layout, pts: _LivePoints, side: np.ndarray) -> np.ndarray:
    """Shift: a run of `shift_points` or more live points on one side of the mean, within a
    partition (a point on the mean breaks the run)."""
    change = pts.new_part.copy()
    if pts.m > 1:
        change[1:] |= side[1:] != side[:-1]
    _, run_len = _runs(change)
    return (side != 0) & (run_len >= layout.shift_n[pts.ser])


def _trend(layout: _Layout, pts: _LivePoints) -> tuple[np.ndarray, np.ndarray]:
    """Trend: `trend_points` or more live points each higher (or lower) than the last; runs of
    same-direction steps across partitions (MDC) or within them (PTD). Returns the points in
    a rising and in a falling trend: each step marks the points at both of its ends."""
    m = pts.m
    trend_link = np.where(pts.ptd, pts.prev_same_part, pts.prev_same_series)
    step = np.where(trend_link, np.sign(pts.diff), 0).astype(np.int64)
    step_change = np.ones(m, dtype=bool)
    if m > 1:
        step_change[1:] = step[1:] != step[:-1]
    _, step_len = _runs(step_change)
    qualifies = (step != 0) & (step_len >= layout.trend_n[pts.ser] - 1)
    up_step = qualifies & (step > 0)
    down_step = qualifies & (step < 0)
    trend_up = up_step.copy()
    trend_down = down_step.copy()
    if m > 1:
        trend_up[:-1] |= up_step[1:]
        trend_down[:-1] |= down_step[1:]
    return trend_up, trend_down


def _two_of_three(layout, pts, limits, side, above, below) -> np.ndarray:
    """Two of three: in a window of 3 live points of one partition all on one side of the
    mean, the points beyond two sigma when at least two are. With the `band` variant (PTD) a
    point beyond the process limit does not count (it is astronomical instead)."""
    m, part, tol = pts.m, pts.part, pts.tol
    beyond_hi = pts.x > limits.upper2[part] + tol
    beyond_lo = pts.x < limits.lower2[part] - tol
    band = layout.band_only[pts.ser]
    counts_hi = beyond_hi & ~(band & above)
    counts_lo = beyond_lo & ~(band & below)
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
    return counts & in_window


def _result(layout, pts, limits, shown, high, low, point_type, label) -> CoreResult:
    """Spread the live points' flags and types back over every point (ghosts and gaps get no
    rule, no type) and find each series' last live point (its icons are read from it)."""
    n_points = len(layout.values)
    rules_high = np.zeros((n_points, 4), dtype=bool)
    rules_low = np.zeros((n_points, 4), dtype=bool)
    rules_high[pts.at] = high
    rules_low[pts.at] = low
    all_type = np.full(n_points, None, dtype=object)
    all_type[pts.at] = point_type
    all_label = np.full(n_points, None, dtype=object)
    all_label[pts.at] = label
    screened_out = np.zeros(n_points, dtype=bool)
    screened_out[pts.at] = limits.screened_out_live

    last_live = np.full(layout.n_series, -1, dtype=np.int64)
    if pts.m:
        last_live[pts.ser] = pts.at  # later assignments win: the last live point of each series
    return CoreResult(
        point_series=layout.point_series,
        point_part=layout.point_part,
        live=layout.live,
        rules_high=rules_high,
        rules_low=rules_low,
        point_type=all_type,
        ptd_label=all_label,
        part_series=layout.part_series,
        part_n=limits.part_n.astype(np.int64),
        mean=limits.mean,
        amr=limits.amr,
        amr_before_screening=limits.amr_before,
        screened_out=screened_out,
        upl=limits.upl,
        lpl=limits.lpl,
        upper_two_sigma=limits.upper2,
        lower_two_sigma=limits.lower2,
        spc_shown=shown,
        last_live_point=last_live,
        possible_mr_values=np.full(layout.n_parts, np.nan),
        chunky=np.zeros(layout.n_parts, dtype=bool),
    )


def _classify(layout, pts, side, high, low, in_trend, shown):
    """Point types: MDC evaluates every rule and resolves conflicts; PTD labels by priority.
    Returns (point type, PTD label) per live point: None where the series is not shown as SPC,
    and no label outside PTD."""
    ser = pts.ser
    improvement = layout.improvement[ser]
    shift_n, trend_n = layout.shift_n[ser], layout.trend_n[ser]
    mdc_type = _mdc_point_types(improvement, layout.improvement_wins[ser], high, low)
    direction, trend_dir = _ptd_directions(side, high, low, pts.x, in_trend, pts.part)
    label = _ptd_labels(pts.ptd, direction, trend_dir, side, high, low, shift_n, trend_n)
    ptd_type = _ptd_point_types(direction, improvement)
    point_type = np.where(pts.ptd, ptd_type, mdc_type).astype(object)
    show_pt = shown[ser]
    return np.where(show_pt, point_type, None), np.where(show_pt & pts.ptd, label, None)


def _type_names(improvement, high, low, improving, concerning) -> np.ndarray:
    """The point type from which way the point is special: neutral high or low where no
    direction is better (improvement 0), else improvement or concern; common cause otherwise."""
    return np.where(
        improvement == 0,
        np.where(
            high,
            "special_cause_neutral_high",
            np.where(low, "special_cause_neutral_low", "common_cause"),
        ),
        np.where(
            improving,
            "special_cause_improvement",
            np.where(concerning, "special_cause_concern", "common_cause"),
        ),
    )


def _mdc_point_types(improvement, improvement_wins, high, low) -> np.ndarray:
    """MDC: any rule, high or low, makes a point special; a point both good and bad (say a
    high shift and a low trend) is an improvement unless the series' `conflict` says concern."""
    any_high = high.any(axis=1)
    any_low = low.any(axis=1)
    good = np.where(improvement > 0, any_high, any_low)
    bad = np.where(improvement > 0, any_low, any_high)
    wins_good = good & (~bad | improvement_wins)
    return _type_names(improvement, any_high, any_low, wins_good, bad)


def _ptd_directions(side, high, low, x, in_trend, part):
    """PTD: one direction per point (1 high, -1 low, 0 common cause) from the first rule in the
    order outside limits > trend > two-of-three > shift. A trend point's direction is the step
    to the next point when that point is also in a trend, else the step from the last.
    Returns (direction, trend direction)."""
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
    side_dir = np.where(side == 1, 1, -1)
    direction = np.select(
        [
            high[:, 0] | low[:, 0],
            high[:, 2] | low[:, 2],
            high[:, 3] | low[:, 3],
            high[:, 1] | low[:, 1],
        ],
        [side_dir, trend_dir, side_dir, side_dir],
        0,
    )
    return direction, trend_dir


def _ptd_labels(is_ptd, direction, trend_dir, side, high, low, shift_n, trend_n) -> np.ndarray:
    """NHSRplotthedots' special_cause_type wording of each point (e.g. "7 Points Above CL"),
    by the same priority; built only where a PTD point is special (string work is the slow
    part), "Common Cause" elsewhere."""
    label = np.full(len(direction), "Common Cause", dtype=object)
    at = np.flatnonzero(is_ptd & (direction != 0))
    if len(at):
        outside = high[at, 0] | low[at, 0]
        two = high[at, 3] | low[at, 3]
        shift = high[at, 1] | low[at, 1]
        word = np.where(side[at] > 0, "Above", "Below")
        trend_word = np.where(trend_dir[at] == 1, "Increasing", "Decreasing")
        label[at] = np.select(
            [outside, (high[at, 2] | low[at, 2]), two, shift],
            [
                _join(np.where(side[at] == 1, "Above UCL", "Below LCL")),
                _join(trend_n[at].astype(str), " Point Trend (", trend_word, ")"),
                _join("2 in 3 ", word, " CL"),
                _join(shift_n[at].astype(str), " Points ", word, " CL"),
            ],
            "Common Cause",
        )
    return label


def _ptd_point_types(direction, improvement) -> np.ndarray:
    """PTD: the point's one direction, oriented by the series' improvement, gives its type."""
    oriented = direction * improvement
    return _type_names(improvement, direction > 0, direction < 0, oriented > 0, oriented < 0)


def _join(*parts):
    out = np.asarray(parts[0]).astype(object)
    for part in parts[1:]:
        out = out + np.asarray(part).astype(object)
    return out
