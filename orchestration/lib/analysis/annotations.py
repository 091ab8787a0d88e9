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
from dataclasses import dataclass
from pathlib import Path

from orchestration.lib import environment, yamlfiles

KINDS = ("recalc", "ghost", "baseline")
FIELDS = ("measure_id", "council_code", "kind", "period_start", "reason", "recorded_by",
          "recorded_on")  # fmt: skip
DEFAULT_PATH = Path("config") / "spc_annotations.yml"


class AnnotationError(ValueError):
    """An annotation file that cannot be used, worded for the person who edits it."""


@dataclass(frozen=True)
class Annotation:
    measure_id: str
    council_code: str
    kind: str
    period_start: dt.date
    reason: str
    recorded_by: str
    recorded_on: dt.date

    def as_chart_note(self, index: int) -> dict:
        """The form charts.render_svg draws: where, what and why."""
        return {"index": index, "kind": self.kind, "period_start": self.period_start,
                "reason": self.reason}  # fmt: skip


def default_path() -> Path:
    """The config file, or the one BDC_SPC_ANNOTATIONS names (tests, a council's own copy)."""
    override = os.environ.get("BDC_SPC_ANNOTATIONS")
    return Path(override) if override else environment.REPO_ROOT / DEFAULT_PATH


def _date(value, where: str, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise AnnotationError(
            f"{where}: {name} must be a date (YYYY-MM-DD), got {value!r}"
        ) from error


def parse(entries, source: str = "annotations") -> list[Annotation]:
    """Validate a list of mappings (the YAML's `annotations:` list) into Annotations."""
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise AnnotationError(f"{source}: expected a list of annotations")
    out = []
    for number, entry in enumerate(entries, start=1):
        where = f"{source}, entry {number}"
        if not isinstance(entry, dict):
            raise AnnotationError(f"{where}: each annotation must be a mapping of fields")
        unknown = set(entry) - set(FIELDS)
        if unknown:
            raise AnnotationError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        for name in FIELDS:
            value = entry.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                hint = " (say why: a known change or a trial)" if name == "reason" else ""
                raise AnnotationError(f"{where}: {name} is required{hint}")
        kind = str(entry["kind"]).strip()
        if kind not in KINDS:
            raise AnnotationError(f"{where}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
        out.append(
            Annotation(
                measure_id=str(entry["measure_id"]).strip(),
                council_code=str(entry["council_code"]).strip(),
                kind=kind,
                period_start=_date(entry["period_start"], where, "period_start"),
                reason=str(entry["reason"]).strip(),
                recorded_by=str(entry["recorded_by"]).strip(),
                recorded_on=_date(entry["recorded_on"], where, "recorded_on"),
            )
        )
    baselines = {}
    for item in out:
        if item.kind == "baseline":
            key = (item.measure_id, item.council_code)
            if key in baselines:
                raise AnnotationError(
                    f"{source}: {item.measure_id} ({item.council_code}) has more than one baseline"
                )
            baselines[key] = item
    return out


def load(path: Path | None = None) -> list[Annotation]:
    """The annotations file (missing file = no annotations)."""
    path = path or default_path()
    if not path.exists():
        return []
    document = yamlfiles.load_mapping(path, "annotations", AnnotationError)
    return parse(document.get("annotations"), path.name)


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
