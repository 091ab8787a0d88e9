"""The demo's timed cases: fly-tip and missed-bin reports carry times, other cases dates only."""

from __future__ import annotations

import pandas as pd
import pytest

from orchestration.demo import generate
from orchestration.demo.cases import CREW_HOURS, TIMED_CASE_TYPES

pytestmark = pytest.mark.unit

TIMED = {case_type for _, case_type in TIMED_CASE_TYPES}


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> pd.DataFrame:
    written = generate(tmp_path_factory.mktemp("times"), scale=0.2, last_month="2023-09")
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in written["service_cases"]]
    return pd.concat(frames, ignore_index=True)


def test_only_the_timed_case_types_carry_times(cases):
    timed = cases["case_type"].isin(TIMED)
    assert timed.any() and (~timed).any()
    assert (cases.loc[timed, "received_at"] != "").all()
    assert (cases.loc[~timed, ["received_at", "completed_at"]] == "").all().all()


def test_times_fall_on_the_case_dates_and_open_cases_have_no_completion_time(cases):
    timed = cases[cases["case_type"].isin(TIMED)]
    assert (timed["received_at"].str[:10] == timed["received_date"]).all()
    assert (timed["completed_at"].str[:10] == timed["completed_date"]).all()
    open_cases = timed[timed["completed_date"] == ""]
    assert len(open_cases) > 0  # cases completed after the last month's end are open
    assert (open_cases["completed_at"] == "").all()


def test_reports_mostly_in_working_hours_and_clearances_in_crew_hours(cases):
    timed = cases[cases["case_type"].isin(TIMED)]
    reported = pd.to_datetime(timed["received_at"]).dt.hour
    working = reported.between(8, 17)
    assert 0.7 < working.mean() < 0.9  # some reports come in the evening
    done = pd.to_datetime(timed.loc[timed["completed_at"] != "", "completed_at"])
    hours = done.dt.hour + done.dt.minute / 60
    assert hours.between(*CREW_HOURS).all()


def test_durations_are_not_whole_days_and_fly_tips_take_about_three(cases):
    timed = cases[cases["completed_at"] != ""]
    received = pd.to_datetime(timed["received_at"])
    days = (pd.to_datetime(timed["completed_at"]) - received).dt.total_seconds() / 86400
    assert (days > 0).all()
    assert (days % 1 == 0).mean() < 0.01
    fly_tips = days[timed["case_type"] == "fly_tipping"]
    assert 2.5 <= fly_tips.median() <= 3.5
    # Monthly medians take many values, not the few whole days of dates alone.
    by_month = fly_tips.groupby(timed["completed_date"].str[:7]).median()
    assert by_month.nunique() == len(by_month)
