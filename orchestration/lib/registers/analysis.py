"""The models of the analysis registers: check-plan-do trials (config/trials.yml) and the
recorded reasons for changing how a capability chart is drawn (config/spc_annotations.yml).
The validated entries are what the analysis assets use (docs/analysis.md)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, model_validator

from orchestration.lib.registers.base import (
    CouncilCode,
    Model,
    SeriesRef,
    Text,
    check_council_of,
    fail,
)


class Trial(Model):
    """A check-plan-do trial, judged per measure by its capability chart."""

    trial_id: Text
    """Stable id of the trial."""
    title: Text
    hypothesis: Text
    """What the change should do, as a sentence."""
    service: str | None = None
    locality: str | None = None
    council_code: CouncilCode
    start_date: dt.date
    """The first day of the changed process: earlier points are the baseline."""
    end_date: dt.date | None = None
    """The last day of the trial (none: still running)."""
    measure_ids: Annotated[tuple[SeriesRef, ...], Field(min_length=1)]
    """Measure ids, or case_e2e:<service>:<case_type> for the monthly median end-to-end time of
    a service's cases."""
    owner: Text

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Trial:
        if self.end_date is not None and self.end_date < self.start_date:
            fail("is before start_date", "end_date")
        for index, measure_id in enumerate(self.measure_ids):
            check_council_of(measure_id, self.council_code, info, f"measure_ids.{index}")
        return self

    def row(self) -> dict:
        return {**self.model_dump(), "measure_ids": list(self.measure_ids)}


class Trials(Model):
    """config/trials.yml."""

    trials: list[Trial] | None = None

    @model_validator(mode="after")
    def _unique(self) -> Trials:
        ids: list[str] = []
        for index, trial in enumerate(self.trials or ()):
            if trial.trial_id in ids:
                fail("is used by another trial", f"trials.{index}.trial_id")
            ids.append(trial.trial_id)
        return self


class Annotation(Model):
    """Why a chart's limits are recalculated, a point ghosted or a baseline fixed."""

    measure_id: SeriesRef
    """A measure id, or case_e2e:<service>:<case_type> for a case end-to-end chart."""
    council_code: CouncilCode
    kind: Literal["recalc", "ghost", "baseline"]
    """recalc (new limits from period_start) | ghost (exclude the month starting
    period_start) | baseline (points before period_start are the baseline; its limits carry
    forward)."""
    period_start: dt.date
    reason: Text
    """Why: a known change to the process, or a check-plan-do trial."""
    recorded_by: Text
    recorded_on: dt.date

    @model_validator(mode="after")
    def _applies(self, info: ValidationInfo) -> Annotation:
        check_council_of(self.measure_id, self.council_code, info, "measure_id")
        return self

    def as_chart_note(self, index: int) -> dict:
        """The form charts.render_svg draws: where, what and why."""
        return {"index": index, "kind": self.kind, "period_start": self.period_start,
                "reason": self.reason}  # fmt: skip


class Annotations(Model):
    """config/spc_annotations.yml."""

    annotations: list[Annotation] | None = None

    @model_validator(mode="after")
    def _one_baseline(self) -> Annotations:
        seen: set[tuple[str, str]] = set()
        for index, item in enumerate(self.annotations or ()):
            if item.kind != "baseline":
                continue
            key = (item.measure_id, item.council_code)
            if key in seen:
                fail(
                    f"{item.measure_id} ({item.council_code}) has more than one baseline",
                    f"annotations.{index}.kind",
                )
            seen.add(key)
        return self
