"""The reporting domain's Definitions: schedules with the calendar's cron and timezone, and
report assets partitioned by reporting period."""

import datetime as dt
import zoneinfo

import dagster as dg
import pytest

from orchestration.defs import reporting
from orchestration.lib.dagster.resources import WarehouseResource
from orchestration.lib.reporting import calendar

pytestmark = pytest.mark.unit
LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def defs():
    return dg.Definitions.merge(
        reporting.defs(),
        dg.Definitions(resources={"warehouse": WarehouseResource(url="postgresql://unused/x")}),
    )


@pytest.mark.parametrize(
    ("name", "cron"),
    [
        ("cabinet_report_schedule", "0 7 8 1,3,5,7,9,11 *"),
        ("portfolio_briefing_schedule", "0 7 1 1,3,5,7,9,11 *"),
        ("scrutiny_report_schedule", "0 7 13 2,5,8,11 *"),
    ],
)
def test_schedules_have_the_calendar_cron_in_london_time(defs, name, cron):
    schedule = defs.resolve_schedule_def(name)
    assert schedule.cron_schedule == cron
    assert schedule.execution_timezone == "Europe/London"


@pytest.mark.parametrize(
    ("name", "when", "partition"),
    [
        ("cabinet_report_schedule", dt.datetime(2026, 1, 8, 7, tzinfo=LONDON), "2026-01"),
        ("portfolio_briefing_schedule", dt.datetime(2026, 1, 1, 7, tzinfo=LONDON), "2026-01"),
        ("scrutiny_report_schedule", dt.datetime(2026, 5, 13, 7, tzinfo=LONDON), "2025-26-Q4"),
    ],
)
def test_a_tick_requests_the_period_that_is_due(defs, name, when, partition):
    schedule = defs.resolve_schedule_def(name)
    context = dg.build_schedule_context(
        scheduled_execution_time=when, repository_def=defs.get_repository_def()
    )
    requests = schedule.evaluate_tick(context).run_requests
    assert [r.partition_key for r in requests] == [partition]


def test_report_assets_are_partitioned_by_reporting_period(defs):
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"reports/cabinet", "reports/portfolio", "reports/scrutiny"} <= keys
    cabinet = defs.resolve_job_def("cabinet_report_job").partitions_def.get_partition_keys()
    scrutiny = defs.resolve_job_def("scrutiny_report_job").partitions_def.get_partition_keys()
    assert cabinet == calendar.period_keys("cabinet") and "2026-01" in cabinet
    assert scrutiny == calendar.period_keys("scrutiny") and "2025-26-Q4" in scrutiny
    assert all(int(key[5:]) % 2 == 1 for key in cabinet)  # bi-monthly, odd months
