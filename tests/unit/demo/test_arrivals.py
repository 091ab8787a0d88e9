"""The demo's files arrive on realistic dates: most by their due working day, the partners'
return usually late, March's ledger after the year-end closedown, and one month never."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from orchestration.demo import DEFAULT_SEED, MONTHLY_SOURCES, arrivals, generate
from orchestration.demo.months import FIRST_MONTH, Month, month_range
from orchestration.lib import contracts, environment
from orchestration.lib.quality import freshness

pytestmark = pytest.mark.unit

LONDON = ZoneInfo("Europe/London")
MONTHS = month_range(FIRST_MONTH, dt.date(2026, 10, 1))
ON_TIME = ("crm_contacts", "service_cases", "case_clock_pauses", "hr_enabling")


def _due(source: str, month: Month) -> dt.date:
    period = freshness.period_containing("monthly", month.start)
    return freshness.due_date(contracts.get(source), period)


def _late(source: str) -> list[Month]:
    return [m for m in MONTHS if arrivals.arrival(DEFAULT_SEED, source, m).date() > _due(source, m)]


def test_every_arrival_is_a_working_day_after_the_month_ends():
    for source in MONTHLY_SOURCES:
        for month in MONTHS:
            when = arrivals.arrival(DEFAULT_SEED, source, month)
            assert when.tzinfo is not None
            day = when.astimezone(LONDON).date()
            assert day >= month.next_start and freshness.is_working_day(day), (source, month)


def test_own_systems_arrive_by_their_due_working_day():
    for source in ON_TIME:
        assert _late(source) == [], source
    # Not all on the due day itself: extracts come a few working days early too.
    days = {arrivals.arrival(DEFAULT_SEED, "crm_contacts", m).date() for m in MONTHS}
    assert len(days & {_due("crm_contacts", m) for m in MONTHS}) < len(MONTHS)


def test_the_partners_return_is_usually_a_few_working_days_late():
    late = _late("partner_returns")
    assert 0.6 * len(MONTHS) <= len(late) < len(MONTHS)
    for month in late:
        arrived = arrivals.arrival(DEFAULT_SEED, "partner_returns", month).date()
        assert arrived <= arrivals.add_working_days(_due("partner_returns", month), 5)


def test_only_marchs_ledger_waits_for_the_year_end():
    late = _late("finance_ledger")
    assert late and all(month.number == 3 for month in late)
    assert len(late) == sum(1 for month in MONTHS if month.number == 3)


def test_cases_and_their_pauses_come_together():
    for month in MONTHS[:6]:
        assert arrivals.arrival(DEFAULT_SEED, "service_cases", month) == arrivals.arrival(
            DEFAULT_SEED, "case_clock_pauses", month
        )


def test_working_days_count_past_weekends_and_bank_holidays():
    # Thursday 24 December 2026: Christmas Day (Friday) and Boxing Day's substitute (Monday 28th)
    assert arrivals.add_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 29)
    assert arrivals.add_working_days(dt.date(2026, 12, 29), -1) == dt.date(2026, 12, 24)
    assert arrivals.add_working_days(dt.date(2026, 12, 29), 0) == dt.date(2026, 12, 29)


def _mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, LONDON)


@pytest.fixture(scope="module")
def on_a_day(tmp_path_factory):
    """The landing zone as it stands on Sunday 20 August 2023: July's HR return (due 14 August)
    never came; July's and August's partner returns (due 21 August and later) were written early."""
    out = tmp_path_factory.mktemp("on_a_day")
    today = dt.date(2023, 8, 20)
    written = generate(
        out,
        scale=0.02,
        last_month="2023-08",
        reference_dir=environment.reference_dir(),
        today=today,
    )
    return out, today, written


def test_files_carry_their_arrival_and_none_arrived_after_today(on_a_day):
    _, today, written = on_a_day
    end_of_today = dt.datetime.combine(today, dt.time(23, 59, 59), tzinfo=LONDON)
    for source in MONTHLY_SOURCES:
        for path in written[source]:
            month = Month(dt.date.fromisoformat(path.stem.rsplit("_", 1)[1] + "-01"))
            expected = min(arrivals.arrival(DEFAULT_SEED, source, month), end_of_today)
            assert _mtime(path) == expected, path.name
    partner = {p.name: _mtime(p) for p in written["partner_returns"]}
    assert partner["partner_returns_2023-08.csv"] == end_of_today  # written early: today


def test_the_newest_month_owed_never_arrives_and_nothing_after_it(on_a_day):
    out, _, written = on_a_day
    assert [p.name for p in written["hr_enabling"]] == [
        f"hr_enabling_2023-{month:02d}.csv" for month in (4, 5, 6)
    ]
    assert not (out / "hr_enabling" / "hr_enabling_2023-07.csv").exists()
    assert not (out / "hr_enabling" / "hr_enabling_2023-08.csv").exists()
    for source in set(MONTHLY_SOURCES) - {"hr_enabling"}:
        assert len(written[source]) == 5, source  # April to August, nothing else missing


def test_without_a_day_every_month_arrives_and_times_repeat(tmp_path, on_a_day):
    _, today, earlier = on_a_day
    written = generate(tmp_path, scale=0.02, last_month="2023-08")
    assert {source: len(paths) for source, paths in written.items()} == {
        **{source: 5 for source in MONTHLY_SOURCES},
        "gazetteer": 1,
    }
    before = {path.name: path for paths in earlier.values() for path in paths}
    compared = 0
    for source in MONTHLY_SOURCES:
        for path in written[source]:
            if path.name in before and _mtime(before[path.name]).date() < today:
                assert path.read_bytes() == before[path.name].read_bytes()
                assert path.stat().st_mtime == before[path.name].stat().st_mtime, path.name
                compared += 1
    assert compared >= 20


def test_the_missing_month_is_the_newest_due_by_the_day():
    assert arrivals.first_missing("hr_enabling", dt.date(2026, 12, 5)) == dt.date(2026, 10, 1)
    assert arrivals.first_missing("hr_enabling", dt.date(2026, 12, 14)) == dt.date(2026, 11, 1)
    assert arrivals.first_missing("hr_enabling", None) is None
    assert arrivals.first_missing("crm_contacts", dt.date(2026, 12, 5)) is None
