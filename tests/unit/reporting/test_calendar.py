import datetime as dt

import pytest
import yaml

from orchestration.lib.reporting import calendar
from orchestration.lib.spc import charts

pytestmark = pytest.mark.unit


def test_cabinet_cycle_reports_the_two_months_before_the_meeting_month():
    period = calendar.period("cabinet", "2026-01")
    assert (period.period_start, period.period_end) == (dt.date(2025, 11, 1), dt.date(2025, 12, 31))
    assert period.meeting_date == dt.date(2026, 1, 15)
    assert period.pack_date == dt.date(2026, 1, 8)
    briefing = calendar.period("portfolio", "2026-01")
    assert briefing.pack_date == dt.date(2026, 1, 1)
    assert briefing.period_end == period.period_end


@pytest.mark.parametrize(
    ("key", "start", "end", "meeting"),
    [
        ("2025-26-Q1", dt.date(2025, 4, 1), dt.date(2025, 6, 30), dt.date(2025, 8, 20)),
        ("2025-26-Q3", dt.date(2025, 10, 1), dt.date(2025, 12, 31), dt.date(2026, 2, 20)),
        ("2025-26-Q4", dt.date(2026, 1, 1), dt.date(2026, 3, 31), dt.date(2026, 5, 20)),
    ],
)
def test_scrutiny_quarters_follow_the_financial_year(key, start, end, meeting):
    period = calendar.period("scrutiny", key)
    assert (period.period_start, period.period_end, period.meeting_date) == (start, end, meeting)


@pytest.mark.parametrize(
    ("kind", "key"),
    [("cabinet", "2026-02"), ("cabinet", "26-01"), ("scrutiny", "2025-27-Q1"),
     ("scrutiny", "2025-26-Q5"), ("weekly", "2026-01")],
)  # fmt: skip
def test_bad_period_keys_are_refused_with_the_expected_shape(kind, key):
    with pytest.raises(ValueError, match="use"):
        calendar.period(kind, key)


def test_current_period_is_the_newest_whose_pack_date_has_come():
    # 5 December 2026: Cabinet met in November on September-October; January's pack (8 January,
    # on November-December) is not due yet, whatever has been loaded for November or December.
    today = dt.date(2026, 12, 5)
    cabinet = calendar.current_period("cabinet", today)
    assert cabinet.key == "2026-11"
    assert (cabinet.period_start, cabinet.period_end) == (
        dt.date(2026, 9, 1),
        dt.date(2026, 10, 31),
    )
    assert calendar.current_period("portfolio", today).key == "2026-11"
    # O&S: Q2 2026/27 (July-September) met on 20 November; Q3 is not due until 13 February.
    scrutiny = calendar.current_period("scrutiny", today)
    assert scrutiny.key == "2026-27-Q2" and scrutiny.period_end == dt.date(2026, 9, 30)
    # The period turns over on the pack date itself, not a day before.
    assert calendar.current_period("cabinet", dt.date(2027, 1, 7)).key == "2026-11"
    assert calendar.current_period("cabinet", dt.date(2027, 1, 8)).key == "2027-01"
    assert calendar.current_period("portfolio", dt.date(2027, 1, 1)).key == "2027-01"
    assert calendar.current_period("scrutiny", dt.date(2027, 2, 12)).key == "2026-27-Q2"
    assert calendar.current_period("scrutiny", dt.date(2027, 2, 13)).key == "2026-27-Q3"


def test_no_current_period_before_the_first_pack():
    with pytest.raises(ValueError, match="No cabinet pack is due"):
        calendar.current_period("cabinet", dt.date(2024, 1, 1))


def test_every_pack_date_is_a_cron_firing_and_maps_back_to_its_period():
    for kind in calendar.KINDS:
        minute, hour, day, months, _ = calendar.cron(kind).split()
        for key in calendar.period_keys(kind):
            period = calendar.period(kind, key)
            assert period.pack_date.day == int(day)
            assert str(period.pack_date.month) in months.split(",")
            assert calendar.period_for_run(kind, period.pack_date).key == key


def test_calendar_changes_move_the_crons(tmp_path):
    config = calendar.load()
    config["cabinet"]["months"] = [2, 4, 6, 8, 10, 12]
    config["cabinet"]["meeting_day"] = 20
    path = tmp_path / "calendar.yml"
    path.write_text(yaml.safe_dump(config))
    changed = calendar.load(path)
    assert calendar.cron("cabinet", changed) == "0 7 13 2,4,6,8,10,12 *"
    assert calendar.cron("portfolio", changed) == "0 7 6 2,4,6,8,10,12 *"
    config["scrutiny"]["pack_days_before"] = 25
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(ValueError, match="days 1-28"):
        calendar.load(path)


@pytest.mark.parametrize(
    ("start", "frequency", "label"),
    [
        (dt.date(2026, 10, 1), "monthly", "October 2026"),
        (dt.date(2026, 7, 1), "quarterly", "Q2 2026/27 (July to September 2026)"),
        (dt.date(2027, 1, 1), "quarterly", "Q4 2026/27 (January to March 2027)"),
        (dt.date(2026, 4, 1), "quarterly", "Q1 2026/27 (April to June 2026)"),
        (dt.date(2025, 4, 1), "annual", "2025/26"),
        (dt.date(2000, 4, 1), "annual", "2000/01"),
    ],
)
def test_a_period_is_labelled_by_its_own_frequency(start, frequency, label):
    assert charts.period_label(start, frequency) == label
