"""Time the batch XmR path against a Python loop of xmr over synthetic measures.

Usage: .venv/bin/python -m orchestration.bench.spc [--measures 500] [--points 36] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd

from orchestration.lib.spc import xmr
from orchestration.lib.spc.batch import xmr_frame


def synthetic(measures: int, points: int, seed: int = 2025) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    level = rng.uniform(10, 1000, measures)
    noise = rng.normal(0, 1, (measures, points)) * level[:, None] * 0.05
    step = (np.arange(points) >= points * 2 // 3) * (rng.uniform(-0.2, 0.2, measures)[:, None])
    values = (level[:, None] * (1 + step) + noise).round(2)
    return pd.DataFrame(
        {
            "measure_id": np.repeat([f"M{i:04d}" for i in range(measures)], points),
            "period_start": np.tile(
                pd.date_range("2023-04-01", periods=points, freq="MS"), measures
            ),
            "value": values.ravel(),
        }
    )


def best_of(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--measures", type=int, default=500)
    parser.add_argument("--points", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    frame = synthetic(args.measures, args.points)

    def loop():
        ordered = frame.sort_values(["measure_id", "period_start"])
        for _, group in ordered.groupby("measure_id", sort=True):
            xmr(group["value"].tolist())

    batch_s = best_of(args.repeat, lambda: xmr_frame(frame))
    loop_s = best_of(args.repeat, loop)
    sys.stdout.write(
        f"{args.measures} measures x {args.points} points (best of {args.repeat})\n"
        f"  batch xmr_frame : {batch_s * 1000:8.1f} ms\n"
        f"  loop over xmr   : {loop_s * 1000:8.1f} ms\n"
        f"  speed-up        : {loop_s / batch_s:8.1f} x\n"
    )


if __name__ == "__main__":
    main()
