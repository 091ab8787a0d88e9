"""Recorded reasons for recalculating limits, ghosting points or fixing a baseline on a chart.

A chart's limits may only be recalculated, a point ghosted or a baseline fixed when someone has
recorded why (a known change, a trial): config/spc_annotations.yml keeps those decisions as
versioned data. Every entry is validated on load; an entry without a reason is refused.

Series ids: a measure's `measure_id`, or `case_e2e:<service>:<case_type>` for a service's case
end-to-end charts. `period_start` means:
- recalc: limits are recalculated from the first point on or after this date;
- ghost: the points in the month starting on this date are plotted but excluded;
- baseline: the points before this date are the baseline; its limits carry forward from here.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path

from orchestration.lib import environment, yamlfiles
from orchestration.lib.registers import known, validate
from orchestration.lib.registers.analysis import Annotation, Annotations
from orchestration.lib.registers.base import References
from orchestration.lib.registers.problems import RegisterError

KINDS = ("recalc", "ghost", "baseline")
DEFAULT_PATH = Path("config") / "spc_annotations.yml"

# An annotation file that cannot be used: the one error of every register, by its old name.
AnnotationError = RegisterError


def default_path() -> Path:
    """The config file, or the one BDC_SPC_ANNOTATIONS names (tests, a council's own copy)."""
    override = os.environ.get("BDC_SPC_ANNOTATIONS")
    return Path(override) if override else environment.REPO_ROOT / DEFAULT_PATH


def parse(
    entries, source: str = "spc_annotations.yml", refs: References | None = None
) -> list[Annotation]:
    """Annotations from a list already read (the YAML's `annotations:` list); references are
    checked only as far as `refs` says."""
    document = yamlfiles.unread(Path(source), {"annotations": entries})
    return list(validate.load(document, Annotations, refs).annotations or ())


def load(path: Path | None = None, refs: References | None = None) -> list[Annotation]:
    """The annotations file (missing file = no annotations), its measures and councils checked
    against config/ (`refs`)."""
    path = path or default_path()
    if not path.exists():
        return []
    refs = refs or known.references(measures=True, cases=True)
    return list(validate.load(yamlfiles.read(path), Annotations, refs).annotations or ())


def for_series(annotations: Sequence[Annotation], measure_id: str, council_code: str):
    return [a for a in annotations if a.measure_id == measure_id and a.council_code == council_code]


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def chart_options(annotations: Sequence[Annotation], periods: Sequence) -> tuple[dict, list[dict]]:
    """XmR options (recalc, ghost, baseline_end) and chart notes for one series.

    `periods` are the points' dates in time order (period starts, or completion dates for
    individual cases). Annotations outside the series' span are skipped.
    """
    days = [p.date() if isinstance(p, dt.datetime) else p for p in periods]
    recalc, ghost, notes = [], [], []
    baseline_end = None

    def first_on_or_after(day):
        return next((i for i, p in enumerate(days) if p >= day), None)

    for item in sorted(annotations, key=lambda a: (a.period_start, a.kind)):
        if item.kind == "ghost":
            hits = [
                i
                for i, p in enumerate(days)
                if item.period_start <= p <= _month_end(item.period_start)
            ]
            ghost.extend(hits)
            if hits:
                notes.append(item.as_chart_note(hits[0]))
            continue
        index = first_on_or_after(item.period_start)
        if index is None or index == 0:
            continue
        if item.kind == "recalc":
            recalc.append(index)
        else:
            baseline_end = index - 1
        notes.append(item.as_chart_note(index))
    options = {}
    if recalc:
        options["recalc"] = sorted(set(recalc))
    if ghost:
        options["ghost"] = sorted(set(ghost))
    if baseline_end is not None:
        options["baseline_end"] = baseline_end
    return options, notes
