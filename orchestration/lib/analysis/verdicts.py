"""Each trial's verdict per measure, from the same chart series the analysis tables show."""

from __future__ import annotations

import datetime as dt

from orchestration.lib.analysis import trials as trials_lib
from orchestration.lib.analysis.charting import Series


def trial_verdicts(
    trials: list[trials_lib.Trial],
    measure_series: list[Series],
    case_series: list[Series],
    computed_at: dt.datetime,
) -> list[dict]:
    """Rows of analysis.trial_verdicts. A measure id is a measure's id (its council series) or
    `case_e2e:<service>:<case_type>` (the monthly median end-to-end chart)."""
    by_measure = {series.key: series for series in measure_series}
    by_case = {
        (f"case_e2e:{s.key[1]}:{s.key[2]}", s.key[0]): s for s in case_series if s.key[3] == "month"
    }
    rows = []
    for trial in trials:
        for measure_id in trial.measure_ids:
            series = by_measure.get((measure_id, trial.council_code)) or by_case.get(
                (measure_id, trial.council_code)
            )
            if series is None:
                verdict = trials_lib.Verdict(
                    "insufficient_data",
                    False,
                    f"no values for {measure_id} in {trial.council_code}",
                )
            else:
                options = {
                    k: v for k, v in series.options.items() if k in ("shift_points", "trend_points")
                }
                verdict = trials_lib.judge(
                    series.values,
                    series.periods,
                    trial.start_date,
                    series.improvement,
                    end=trial.end_date,
                    ghost=series.options.get("ghost", ()),
                    **options,
                )
            rows.append(
                {
                    "trial_id": trial.trial_id,
                    "measure_id": measure_id,
                    "verdict": verdict.verdict,
                    "sustained": verdict.sustained,
                    "evidence": verdict.evidence,
                    "computed_at": computed_at,
                }
            )
    return rows
