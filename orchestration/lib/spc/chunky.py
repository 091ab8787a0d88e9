"""Chunky data: Wheeler's test of whether the recording step is too coarse for the limits.

Source: Donald J. Wheeler, "The Problem of Chunky Data", Quality Digest, 10 July 2023. When
the measurement increments are too large for the job, the round-off obliterates the routine
variation, the average range shrinks, the limits come out too tight and the chart gives false
alarms: chunky data are one of the two exceptions to the chart's fail-safe nature (it
otherwise errs towards hiding signals). The telltale sign is on the range chart: count the
possible values of the range within its limits (0, one increment, two increments, ... up to
the upper range limit; zero counts). For moving ranges (subgroups of two) three or fewer
possible values mean chunky data, and limits and signals cannot be trusted; four is the
borderline that still works (an increment equal to the process standard deviation gives an
upper range limit of 3.268 x 1.128 = 3.69 increments: 0, 1, 2 and 3 are possible). Wheeler
gives larger subgroups a different count; XmR charts only have subgroups of two. (The count
of three for moving ranges and the counting convention were checked against a secondary
reading of Wheeler's columns, including his worked figures of 19 possible values for an upper
range limit of .0181 at an increment of .001 and 2 for .0102 at .01; the stored copy of the
2023 column available when this was written showed only its opening.)

As implemented here, for each set of limits the engine draws (each partition; a partition
whose limits are carried forward from the baseline is judged by the baseline's figures):
    upper range limit URL = 3.268 x AMR   (AMR = the average moving range the limits use,
                                           after moving-range screening where it is on)
    possible values       = floor(URL / resolution) + 1   (0, r, 2r, ... <= URL)
    chunky                 = possible values <= 3
A possible value exactly on the URL counts as within it (a point on a limit is not beyond it).
The resolution is the smallest positive step between the series' distinct live values, or
the one given. This module holds the rule's constants, the resolution, the count and the
wording of the warning (which the text alternative in charts.py reads back).
"""

from __future__ import annotations

import math
import re

import numpy as np

MODES = ("ignore", "flag", "suppress")
RANGE_LIMIT_FACTOR = 3.268  # Wheeler's D4 for n = 2: URL = 3.268 x average moving range
MOST_POSSIBLE_VALUES_WHEN_CHUNKY = 3  # Wheeler, moving ranges: three or fewer is chunky
SIGNIFICANT_DIGITS = 12
# A possible value within this many increments of the URL counts as on it (float noise).
COUNT_TOLERANCE = 1e-9
WARNING_PREFIX = "chunky data"
SUPPRESSED = "special causes not shown"
_PATTERN = re.compile(
    r"^chunky data: group (?P<group>\d+) \(.*?\) is recorded in steps of (?P<step>[^,]+?)"
    r"(?: \(every value is the same\))?,"
)


def infer_resolution(values: np.ndarray) -> float | None:
    """The smallest positive step between distinct values, rounded to 12 significant digits
    of the values' magnitude (so 0.1 + 0.2 and 0.3 are one value, and 3.1 - 3.0 is a step of
    0.1); None when there are fewer than two distinct values."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if len(finite) < 2:
        return None
    scale = float(np.max(np.abs(finite)))
    if scale == 0:
        return None
    quantum = 10.0 ** (math.floor(math.log10(scale)) - (SIGNIFICANT_DIGITS - 1))
    steps = np.round(np.diff(np.unique(finite)) / quantum)
    steps = steps[steps > 0]
    if not len(steps):
        return None
    return float(f"{float(steps.min()) * quantum:.{SIGNIFICANT_DIGITS}g}")


def possible_values(amr: np.ndarray, resolution: np.ndarray) -> np.ndarray:
    """Possible moving-range values within the upper range limit (zero counted), per set of
    limits. Where the resolution is unknown (a series with a single distinct value) the AMR
    is 0 and only a range of 0 is possible. NaN where there is no AMR."""
    amr = np.asarray(amr, dtype=float)
    resolution = np.asarray(resolution, dtype=float)
    url = RANGE_LIMIT_FACTOR * amr
    with np.errstate(divide="ignore", invalid="ignore"):
        steps = np.floor(url / resolution + COUNT_TOLERANCE) + 1
    steps = np.where(np.isnan(resolution) & (amr == 0), 1.0, steps)
    return np.where(np.isnan(amr), np.nan, steps)


UNKNOWN_STEP = "unknown size (every value is the same)"


def step_text(resolution: float | None) -> str:
    return UNKNOWN_STEP if resolution is None else f"{resolution:.{SIGNIFICANT_DIGITS}g}"


def warning(
    group: int,
    first: int,
    last: int,
    carried: bool,
    resolution: float | None,
    amr: float,
    count: int,
    suppressed: bool,
) -> str:
    """The warning for one chunky set of limits, e.g. "chunky data: group 0 (points 0-16) is
    recorded in steps of 1, too coarse for its variation: 1 possible moving range within
    the upper range limit 0.2042 (3.268 x average moving range 0.0625); Wheeler's rule needs
    at least 4"; under "suppress" it ends "; special causes not shown"."""
    where = f"points {first}-{last}" + (", limits carried from the baseline" if carried else "")
    plural = "" if count == 1 else "s"
    text = (
        f"{WARNING_PREFIX}: group {group} ({where}) is recorded in steps of "
        f"{step_text(resolution)}, too coarse for its variation: {count} possible moving "
        f"range{plural} within the upper range limit {RANGE_LIMIT_FACTOR * amr:.4g} "
        f"({RANGE_LIMIT_FACTOR} x average moving range {amr:.4g}); Wheeler's rule needs at "
        f"least {MOST_POSSIBLE_VALUES_WHEN_CHUNKY + 1}"
    )
    return f"{text}; {SUPPRESSED}" if suppressed else text


def read_warnings(warnings) -> list[dict]:
    """The chunky groups named in a result's warnings: group number, resolution (None when
    unknown) and whether their special causes were suppressed."""
    found = []
    for text in warnings or ():
        match = _PATTERN.match(str(text))
        if not match:
            continue
        step = match.group("step")
        found.append(
            {
                "group": int(match.group("group")),
                "resolution": None if step == "unknown size" else float(step),
                "suppressed": str(text).endswith(SUPPRESSED),
            }
        )
    return found
