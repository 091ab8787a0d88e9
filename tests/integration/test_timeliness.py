"""Timely marks against a real PostgreSQL: data judged by when their file arrived (its
modification time, recorded by the loader), a month that never arrives, and published statistics
judged against their own publication calendar."""

import datetime as dt
import os
from zoneinfo import ZoneInfo

import psycopg
import pytest

from orchestration.demo import arrivals
from orchestration.lib.ingest import loaders
from orchestration.lib.quality import freshness, marks

pytestmark = pytest.mark.integration

BROMSGROVE = "E07000234"
LONDON = ZoneInfo("Europe/London")
JAN, FEB, MAR = (dt.date(2025, month, 1) for month in (1, 2, 3))

MARTS_SQL = """
create table marts.dim_measures (measure_id text, council_code text, frequency text,
    source text);
create table marts.fct_measure_values (measure_id text, council_code text, period_start date,
    period_end date, geography_type text, geography_code text, value numeric);
"""


def _marts(url, measures: dict[str, str], figures: list[tuple[str, dt.date, dt.date]]):
    """Measures (id -> the sources it names) and their Bromsgrove figures (id, start, end)."""
    with psycopg.connect(url) as conn:
        conn.execute(MARTS_SQL)
        conn.cursor().executemany(
            "insert into marts.dim_measures values (%s, %s, 'monthly', %s)",
            [(measure, BROMSGROVE, sources) for measure, sources in measures.items()],
        )
        conn.cursor().executemany(
            "insert into marts.fct_measure_values values (%s, %s, %s, %s, 'council', %s, 1)",
            [(measure, BROMSGROVE, start, end, BROMSGROVE) for measure, start, end in figures],
        )


def _month(start: dt.date) -> tuple[dt.date, dt.date]:
    return start, freshness.period_containing("monthly", start).end


def _timely(url, measure: str, period_start: dt.date) -> tuple[str, str]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select status, evidence from marts.measure_quality where measure_id = %s "
            "and period_start = %s and criterion = 'timely'",
            (measure, period_start),
        ).fetchone()


def _crm_file(folder, month: dt.date, arrived: dt.datetime, name: str | None = None, rows=5):
    """A month of contacts that arrived in the landing zone at `arrived` (its mtime)."""
    lines = [
        "contact_id,council_code,received_at,channel,service,demand_type,failure_type,"
        "uprn,resolved_at_first_point,team"
    ]
    for index in range(rows):
        lines.append(
            f"C{month:%Y%m}-{index:04d},{BROMSGROVE},{month:%Y-%m}-{index + 1:02d} 10:00:00,"
            "phone,council_tax,value,,,true,customer_services"
        )
    path = folder / (name or f"crm_contacts_{month:%Y-%m}.csv")
    path.write_text("\n".join(lines) + "\n")
    os.utime(path, (arrived.timestamp(), arrived.timestamp()))
    return path


def _load(url, path):
    result = loaders.ingest_file(url, path, "crm_contacts")
    assert result.outcome == "loaded", result.summary()


def _at(day: dt.date, hour: int = 8) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


@pytest.fixture
def crm_months(activated, workspace):
    """January (on time), February (late) and March never: contacts due on the 5th working
    day, loaded today (long after), judged by when each file arrived."""
    folder = workspace["landing"] / "crm_contacts"
    folder.mkdir(parents=True)
    _load(activated, _crm_file(folder, JAN, _at(dt.date(2025, 2, 5))))  # due 7 February
    _load(activated, _crm_file(folder, FEB, _at(dt.date(2025, 3, 12))))  # due 7 March
    _marts(
        activated, {"m_contacts": "crm_contacts"}, [("m_contacts", *_month(m)) for m in (JAN, FEB)]
    )
    return activated


def test_the_loader_records_when_the_file_arrived(crm_months):
    with psycopg.connect(crm_months) as conn:
        rows = conn.execute(
            "select period_start, received_at, finished_at from audit.loads "
            "where source = 'crm_contacts' order by period_start"
        ).fetchall()
    assert [(start, received) for start, received, _ in rows] == [
        (JAN, _at(dt.date(2025, 2, 5))),
        (FEB, _at(dt.date(2025, 3, 12))),
    ]
    assert all(finished.date() > dt.date(2025, 4, 1) for _, _, finished in rows)  # loaded later


def test_an_on_time_file_passes_though_loaded_long_after(crm_months):
    marks.build_measure_quality(crm_months, today=dt.date(2025, 4, 20))
    assert _timely(crm_months, "m_contacts", JAN) == ("pass", "All checks passed.")


def test_a_file_that_arrived_after_its_due_day_warns_with_the_dates(crm_months):
    marks.build_measure_quality(crm_months, today=dt.date(2025, 4, 4))  # March not due yet
    status, evidence = _timely(crm_months, "m_contacts", FEB)
    assert status == "warn"
    assert evidence == (
        "crm_contacts: data for February 2025 arrived late (12 March 2025; due by 07 March 2025)"
    )


def test_a_due_month_that_never_arrives_fails_the_latest_figure(crm_months):
    marks.build_measure_quality(crm_months, today=dt.date(2025, 4, 20))  # March was due 7 April
    status, evidence = _timely(crm_months, "m_contacts", FEB)
    assert status == "fail"
    assert (
        "CRM contacts (demand): data for March 2025 have not arrived (due by 07 April 2025), "
        "so the figures stop at February 2025." in evidence
    )
    assert "arrived late" in evidence  # February's own lateness is still said
    assert _timely(crm_months, "m_contacts", JAN)[0] == "pass"  # history is not held back


def test_a_month_not_due_yet_is_not_missing(crm_months):
    marks.build_measure_quality(crm_months, today=dt.date(2025, 4, 4))
    assert "have not arrived" not in _timely(crm_months, "m_contacts", FEB)[1]


def test_a_later_correction_does_not_make_on_time_data_late(crm_months, workspace):
    folder = workspace["landing"] / "crm_contacts"
    corrected = _crm_file(folder, JAN, _at(dt.date(2025, 3, 20)), "crm_contacts_2025-01_v2.csv", 6)
    _load(crm_months, corrected)
    with psycopg.connect(crm_months) as conn:
        outcomes = conn.execute(
            "select outcome from audit.loads where period_start = %s order by received_at", (JAN,)
        ).fetchall()
    assert outcomes == [("superseded",), ("loaded",)]
    marks.build_measure_quality(crm_months, today=dt.date(2025, 4, 4))
    assert _timely(crm_months, "m_contacts", JAN)[0] == "pass"


def test_a_withdrawn_month_fails_its_figure(crm_months):
    with psycopg.connect(crm_months) as conn:
        conn.execute("update audit.loads set outcome = 'withdrawn' where period_start = %s", (JAN,))
    marks.build_measure_quality(crm_months, today=dt.date(2025, 4, 4))
    status, evidence = _timely(crm_months, "m_contacts", JAN)
    assert status == "fail" and "January 2025 has not been loaded" in evidence


# --- published statistics: their own publication calendar -----------------------------------

YEAR_22, YEAR_23 = (
    (dt.date(2022, 4, 1), dt.date(2023, 3, 31)),
    (dt.date(2023, 4, 1), dt.date(2024, 3, 31)),
)


@pytest.fixture
def published(activated):
    """Recycling (annual, out each December) to 2023/24; homelessness (quarterly, about four
    months after the quarter) to October to December 2025."""
    _marts(
        activated,
        {"m_recycling": "stats_recycling", "m_homeless": "stats_homelessness"},
        [
            ("m_recycling", *YEAR_22),
            ("m_recycling", *YEAR_23),
            ("m_homeless", dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
        ],
    )
    return activated


@pytest.mark.parametrize(
    ("today", "status", "words"),
    [
        (dt.date(2025, 12, 30), "pass", None),  # 2024/25 is expected by 31 December
        (
            dt.date(2026, 1, 2),
            "warn",
            "Household waste recycling (ENV18): 2024/25 figures are published each December; "
            "the latest held is 2023/24.",
        ),
        (
            dt.date(2027, 1, 4),
            "fail",
            "Household waste recycling (ENV18): 2025/26 figures are published each December; "
            "the latest held is 2023/24, 2 editions behind.",
        ),
    ],
)
def test_an_annual_figure_is_judged_against_its_publication_month(published, today, status, words):
    marks.build_measure_quality(published, today=today)
    found, evidence = _timely(published, "m_recycling", YEAR_23[0])
    assert found == status
    assert evidence == (words or "All checks passed.")
    # An earlier year is history: superseded by the figure after it, never late.
    assert _timely(published, "m_recycling", YEAR_22[0])[0] == "pass"


def test_a_quarterly_statistic_follows_its_own_lag(published):
    quarter = dt.date(2025, 10, 1)
    marks.build_measure_quality(published, today=dt.date(2026, 7, 30))  # due by 31 July
    assert _timely(published, "m_homeless", quarter)[0] == "pass"
    marks.build_measure_quality(published, today=dt.date(2026, 12, 5))
    status, evidence = _timely(published, "m_homeless", quarter)
    assert status == "fail"
    assert evidence == (
        "Statutory homelessness (H-CLIC): figures for April to June 2026 were due to be "
        "published by 31 October 2026, 4 months after the quarter; the latest held is October "
        "to December 2025, 2 editions behind."
    )


def test_an_edition_loaded_without_this_measure_is_not_missing(published):
    with psycopg.connect(published) as conn:
        conn.execute(
            """insert into audit.loads (batch_id, source, file_name, file_checksum, file_bytes,
                   period_start, period_end, outcome)
               values (gen_random_uuid(), 'stats_recycling', 'env18.csv', 'x', 1,
                   '2014-04-01', '2024-04-30', 'loaded')"""
        )
    marks.build_measure_quality(published, today=dt.date(2026, 1, 2))
    assert _timely(published, "m_recycling", YEAR_23[0])[0] == "pass"


# --- the demo's missing month ----------------------------------------------------------------


def test_the_demo_policy_team_overrides_the_missing_month_once(activated):
    today = dt.date(2026, 12, 5)
    first = arrivals.record_override(activated, today)
    assert first is not None
    assert arrivals.record_override(activated, today) is None  # a second `bdc demo`
    with psycopg.connect(activated) as conn:
        (override,) = freshness.active_overrides(conn, "site")
    assert override.override_id == first and override.covers("site", "hr_enabling")
    assert not override.covers("site", "partner_returns")
    assert "HR and enabling returns for October 2026 have not arrived" in override.reason
