"""Check-plan-do trials as data (config/trials.yml) and their verdicts from capability charts.

A trial is judged per measure on the chart before and after its start: the points before the
start are the baseline (partition 0) and the baseline's mean and limits carry forward over the
points from the start on (decision A.8 of tests/fixtures/spc/README.md). Special-cause points
after the start on the improvement side (a point beyond a limit, a shift, a trend,
two-of-three) mean the process changed for the better; on the other side, for the worse. The
verdict is "sustained" when the latest point is still special-cause on the verdict's side.
Verdicts are read like published charts (analysis.signals): where the baseline is chunky
data, recorded in steps too coarse for its variation, no special cause is read and the
verdict is "insufficient_data", saying why.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from orchestration.lib import environment, yamlfiles
from orchestration.lib.analysis.signals import published
from orchestration.lib.registers import known, validate
from orchestration.lib.registers.analysis import Trial, Trials
from orchestration.lib.registers.base import References
from orchestration.lib.registers.problems import RegisterError
from orchestration.lib.spc import xmr
from orchestration.lib.spc.charts import fmt
from orchestration.lib.spc.chunky import read_warnings

VERDICTS = ("improvement", "deterioration", "no_change", "insufficient_data")
MIN_BASELINE_POINTS = (
    12  # below this the baseline's limits are trial limits (tests/fixtures/spc/README.md A.7)
)
MIN_AFTER_POINTS = 7  # without a signal, fewer points after the start could not show a shift
DEFAULT_PATH = Path("config") / "trials.yml"

# A trials file that cannot be used: the one error of every register, by its old name.
TrialError = RegisterError


@dataclass(frozen=True)
class Verdict:
    verdict: str
    sustained: bool
    evidence: str


def parse(entries, source: str = "trials.yml", refs: References | None = None) -> list[Trial]:
    """Trials from a list already read (the YAML's `trials:` list); references are checked
    only as far as `refs` says."""
    document = yamlfiles.unread(Path(source), {"trials": entries})
    return list(validate.load(document, Trials, refs).trials or ())


def default_path() -> Path:
    """The config file, or the one BDC_TRIALS names (tests, a council's own copy)."""
    override = os.environ.get("BDC_TRIALS")
    return Path(override) if override else environment.REPO_ROOT / DEFAULT_PATH


def load(path: Path | None = None, refs: References | None = None) -> list[Trial]:
    """The trials file (missing file = no trials), its measures and councils checked against
    config/ (`refs`)."""
    path = path or default_path()
    if not path.exists():
        return []
    refs = refs or known.references(measures=True, cases=True)
    return list(validate.load(yamlfiles.read(path), Trials, refs).trials or ())


def judge(
    values: Sequence,
    periods: Sequence,
    start: dt.date,
    improvement: str,
    end: dt.date | None = None,
    ghost: Sequence[int] = (),
    **options,
) -> Verdict:
    """Verdict of one trial on one series (values in time order, one per period; None missing).

    Points after `end` (when given) are left out: the trial is judged on its own period.
    """
    if improvement not in ("increase", "decrease"):
        return Verdict("insufficient_data", False, "the measure has no improvement direction")
    keep = [i for i, p in enumerate(periods) if end is None or p <= end]
    values = [values[i] for i in keep]
    periods = [periods[i] for i in keep]
    ghost = [keep.index(i) for i in ghost if i in keep]
    start_index = next((i for i, p in enumerate(periods) if p >= start), len(periods))
    live = [v is not None and v == v and i not in ghost for i, v in enumerate(values)]
    before, after = sum(live[:start_index]), sum(live[start_index:])
    if before < MIN_BASELINE_POINTS:
        return Verdict(
            "insufficient_data",
            False,
            f"{before} points before the start; {MIN_BASELINE_POINTS} are needed for a baseline",
        )
    if after == 0:
        return Verdict("insufficient_data", False, "no points since the start")
    # a verdict is published like a chart: chunky data show no special cause (analysis.signals)
    result = xmr(
        values,
        improvement=improvement,
        baseline_end=start_index - 1,
        ghost=list(ghost),
        minimum_points=1,
        **published(options),
    )
    baseline = result["groups"][0]
    post = [p for p in result["points"][start_index:] if not p["ghost"]]
    better = [p for p in post if p["point_type"] == "special_cause_improvement"]
    worse = [p for p in post if p["point_type"] == "special_cause_concern"]
    base_text = (
        f"baseline {periods[0]} to {periods[start_index - 1]}: average {fmt(baseline['mean'])}, "
        f"limits {fmt(baseline['lpl'])} to {fmt(baseline['upl'])}"
    )
    post_values = [p["value"] for p in post]
    post_text = f"{len(post)} points since {start}, average {fmt(sum(post_values) / len(post))}"
    # The points after the start are judged by the baseline's limits, so a chunky baseline
    # (its special causes not shown) leaves nothing to judge them by: not "no change".
    chunky = [c for c in read_warnings(result["warnings"]) if c["suppressed"]]
    if chunky:
        return Verdict(
            "insufficient_data",
            False,
            f"{base_text}; {post_text}; {_too_coarse(chunky[0])} (chunky data), so the chart "
            "cannot show whether the process changed",
        )
    if not better and not worse:
        if after < MIN_AFTER_POINTS:
            return Verdict(
                "insufficient_data",
                False,
                f"{base_text}; only {post_text}, no special cause yet "
                f"({MIN_AFTER_POINTS} are needed to rule out a shift)",
            )
        return Verdict("no_change", False, f"{base_text}; {post_text}: common-cause variation")
    if len(better) != len(worse):
        verdict = "improvement" if len(better) > len(worse) else "deterioration"
    else:
        latest_signal = max(better + worse, key=lambda p: p["index"])
        improved = latest_signal["point_type"] == "special_cause_improvement"
        verdict = "improvement" if improved else "deterioration"
    wanted = "special_cause_improvement" if verdict == "improvement" else "special_cause_concern"
    sustained = post[-1]["point_type"] == wanted
    signals = better if verdict == "improvement" else worse
    rules = sorted({r for p in signals for r in p["rules_high"] + p["rules_low"]})
    evidence = (
        f"{base_text}; {post_text}; {len(better)} special-cause improvement and {len(worse)} "
        f"concern points after the start (rules: {', '.join(rules)}); "
        f"{'still special cause at the latest point' if sustained else 'not sustained'}"
    )
    return Verdict(verdict, sustained, evidence)


def _too_coarse(chunky: dict) -> str:
    step = chunky["resolution"]
    if step is None:
        return "every figure is the same"
    steps = "whole numbers" if step == 1 else f"steps of {fmt(step)}"
    return f"the figures are recorded in {steps}, too coarse for their variation"
