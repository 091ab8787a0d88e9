"""Reporting calendar, suite files and waiver matching (no database)."""

import datetime as dt
import os
import subprocess
import sys

import pytest

from orchestration.lib import contracts
from orchestration.lib.quality import expectations, freshness, gate, suite_files

pytestmark = pytest.mark.unit


def test_working_days_skip_weekends_and_england_bank_holidays():
    # April 2025: Good Friday 18th and Easter Monday 21st are bank holidays.
    assert freshness.working_day(2025, 4, 1) == dt.date(2025, 4, 1)
    assert freshness.working_day(2025, 4, 5) == dt.date(2025, 4, 7)
    assert freshness.working_day(2025, 4, 13) == dt.date(2025, 4, 17)
    assert freshness.working_day(2025, 4, 14) == dt.date(2025, 4, 22)
    # January 2026 starts with New Year's Day (Thursday).
    assert freshness.working_day(2026, 1, 1) == dt.date(2026, 1, 2)
    assert not freshness.is_working_day(dt.date(2025, 12, 26))


def test_due_dates_follow_each_contract():
    crm = contracts.get("crm_contacts")
    march = freshness.period_containing("monthly", dt.date(2025, 3, 15))
    assert (march.start, march.end) == (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert freshness.due_date(crm, march) == dt.date(2025, 4, 7)
    assert freshness.latest_due_period(crm, dt.date(2025, 4, 4)).start == dt.date(2025, 2, 1)
    assert freshness.latest_due_period(crm, dt.date(2025, 4, 7)).start == dt.date(2025, 3, 1)
    later = contracts.get("partner_returns")
    assert later.due_working_day > crm.due_working_day
    assert freshness.latest_due_period(later, dt.date(2025, 4, 20)).start == dt.date(2025, 2, 1)


def test_latest_due_end_waits_for_every_named_source():
    # Saturday 5 December 2026: November is due on 7 December (5th working day), 14 December
    # (10th) and 21 December (15th, partner returns).
    assert freshness.latest_due_end(None, dt.date(2026, 12, 5)) == dt.date(2026, 10, 31)
    assert freshness.latest_due_end(["crm_contacts"], dt.date(2026, 12, 7)) == dt.date(2026, 11, 30)
    assert freshness.latest_due_end(None, dt.date(2026, 12, 7)) == dt.date(2026, 10, 31)
    assert freshness.latest_due_end(None, dt.date(2026, 12, 21)) == dt.date(2026, 11, 30)
    assert freshness.latest_due_end(["gazetteer"], dt.date(2026, 12, 5)) is None  # no due rule


def test_a_period_not_due_yet_is_not_stale():
    november = freshness.period_containing("monthly", dt.date(2026, 11, 1))
    due = freshness.due_date(contracts.get("crm_contacts"), november)
    assert due == dt.date(2026, 12, 7)
    early = freshness.SourceFreshness("crm_contacts", november, due, None, dt.date(2026, 12, 5))
    assert not early.stale and "is not due yet" in early.message()
    overdue = freshness.SourceFreshness("crm_contacts", november, due, None, dt.date(2026, 12, 7))
    assert overdue.stale and "has not been loaded" in overdue.message()


def test_quarters_are_calendar_quarters():
    quarter = freshness.period_containing("quarterly", dt.date(2025, 5, 9))
    assert (quarter.start, quarter.end) == (dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    previous = freshness.previous_period("quarterly", quarter)
    assert previous.start == dt.date(2025, 1, 1)


def test_periods_in_a_publications_words_and_the_one_after():
    year = freshness.Period(dt.date(2023, 4, 1), dt.date(2024, 3, 31))
    assert (year.words(), year.following().words()) == ("2023/24", "2024/25")
    quarter = freshness.period_containing("quarterly", dt.date(2025, 11, 1))
    assert (quarter.words(), quarter.following().words()) == (
        "October to December 2025",
        "January to March 2026",
    )
    assert freshness.Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31)).words() == "2025"
    month = freshness.period_containing("monthly", dt.date(2026, 1, 9))
    assert (month.words(), month.following().end) == ("January 2026", dt.date(2026, 2, 28))


def test_published_statistics_are_due_by_the_end_of_their_publication_month():
    recycling = contracts.get("stats_recycling")
    assert freshness.has_publication_rule(recycling) and not freshness.has_rule(recycling)
    year = freshness.Period(dt.date(2024, 4, 1), dt.date(2025, 3, 31))
    assert freshness.publication_due(recycling, year) == dt.date(2025, 12, 31)
    homelessness = contracts.get("stats_homelessness")
    quarter = freshness.period_containing("quarterly", dt.date(2025, 11, 1))
    assert freshness.publication_due(homelessness, quarter) == dt.date(2026, 4, 30)
    assert not freshness.has_publication_rule(contracts.get("crm_contacts"))
    assert not freshness.has_publication_rule(contracts.get("gazetteer"))


def test_arrival_is_judged_on_the_london_day():
    march = freshness.period_containing("monthly", dt.date(2025, 3, 1))
    due = freshness.due_date(contracts.get("crm_contacts"), march)  # Monday 7 April 2025
    # 23:30 on the due day in London is 22:30 UTC: on time; 00:30 the next day is late.
    on_time = dt.datetime(2025, 4, 7, 22, 30, tzinfo=dt.UTC)
    late = dt.datetime(2025, 4, 7, 23, 30, tzinfo=dt.UTC)
    assert not freshness.SourceFreshness("crm_contacts", march, due, on_time).late
    state = freshness.SourceFreshness("crm_contacts", march, due, late)
    assert state.late and "arrived late (08 April 2025; due by 07 April 2025)" in state.message()


def test_every_contract_has_a_suite_and_every_expectation_is_tagged():
    suites = {suite.name: suite for suite in suite_files.all_suites()}
    for source in contracts.all_contracts():
        assert f"raw.{source}" in suites
    for name in ("marts.fct_measure_values", "marts.dim_measures", "marts.dim_purposes"):
        assert name in suites
    covered = set()
    for suite in suites.values():
        for expectation in suite.expectations:
            assert expectation.criterion in expectations.CRITERIA
            assert expectation.severity in expectations.SEVERITIES
            covered.add(expectation.criterion)
    assert covered >= {"relevant", "well_defined", "reliable", "verifiable", "accurate"}


def test_a_suite_without_criterion_is_refused(tmp_path):
    path = tmp_path / "raw.x.yml"
    path.write_text(
        "table: raw.x\nexpectations:\n  - type: expect_column_values_to_not_be_null\n"
        "    kwargs: {column: a}\n    severity: ERROR\n"
    )
    with pytest.raises(suite_files.SuiteError, match="criterion"):
        suite_files.load_suite(path)


def test_only_checks_that_hold_batch_by_batch_make_an_incremental_suite(tmp_path):
    path = tmp_path / "raw.crm_contacts.yml"
    path.write_text("table: raw.crm_contacts\ncontract: crm_contacts\nincremental: true\n")
    assert suite_files.load_suite(path).incremental
    path.write_text(
        "table: raw.crm_contacts\ncontract: crm_contacts\nincremental: true\nexpectations:\n"
        "  - type: expect_table_row_count_to_be_between\n    kwargs: {min_value: 1}\n"
        "    criterion: reliable\n    severity: ERROR\n"
    )
    with pytest.raises(suite_files.SuiteError, match="judges the whole table"):
        suite_files.load_suite(path)
    path.write_text("table: raw.crm_contacts\nincremental: true\n")
    with pytest.raises(suite_files.SuiteError, match="raw table with a contract"):
        suite_files.load_suite(path)


def test_waivers_match_only_what_they_name():
    failure = gate.Failure(
        "marts.fct_measure_values",
        "numerator_le_denominator",
        "accurate",
        "ERROR",
        "m1",
        "E07000234",
        dt.date(2025, 2, 1),
        "x",
    )
    later = dt.datetime(2030, 1, 1)

    def waiver(**fields):
        base = dict(
            check_id=None, measure_id=None, council_code=None, period_start=None, criterion=None
        )
        return gate.Waiver(1, **{**base, **fields}, reason="r", waived_by="p", expires_at=later)

    assert waiver(measure_id="m1", period_start=dt.date(2025, 2, 1)).covers(failure)
    assert waiver(check_id="marts.fct_measure_values").covers(failure)
    assert not waiver(measure_id="m1", period_start=dt.date(2025, 3, 1)).covers(failure)
    assert not waiver(measure_id="m1", criterion="timely").covers(failure)
    assert not waiver(measure_id="m2").covers(failure)


def test_great_expectations_is_imported_without_running_scipy_stats_until_used(tmp_path):
    # A fresh interpreter: this one may have imported scipy.stats already. Saving a result
    # with Decimals must not load it either (GX's own Decimal conversion inspects the stack).
    script = """
import json, sys
from decimal import Decimal
from orchestration.lib.quality import data_docs, gx_library, suite_files
from orchestration.lib.quality.outcomes import SuiteRun
assert gx_library.DEFERRED_SCIPY_STATS.applies()
core = gx_library.great_expectations().core
configuration = gx_library.great_expectations().expectations.expectation_configuration
assert gx_library.expectation_class("expect_column_values_to_not_be_null")
item = core.ExpectationValidationResult(
    success=False,
    result={"observed_value": Decimal("2.50"), "partial_unexpected_list": [Decimal("1.1")]},
    expectation_config=configuration.ExpectationConfiguration(
        type="expect_column_values_to_not_be_null", kwargs={"column": "x"}
    ),
)
result = core.ExpectationSuiteValidationResult(success=False, results=[item], suite_name="s")
path = data_docs.save_result(SuiteRun(suite_files.all_suites()[0], [], gx_result=result))
print(json.dumps(json.loads(path.read_text())["results"][0]["result"], sort_keys=True))
print("scipy.stats._stats_py" in sys.modules)
from scipy import stats
print(round(float(stats.entropy([0.5, 0.5], [0.25, 0.75])), 4))
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "BDC_OUTPUT_DIR": str(tmp_path)},
    )
    assert result.stdout.splitlines() == [
        '{"observed_value": 2.5, "partial_unexpected_list": [1.1]}',
        "False",
        "0.1438",
    ]
