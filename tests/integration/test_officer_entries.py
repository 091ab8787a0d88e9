"""The demo's officer entries for manual measures, and the app owning input.manual_values."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import psycopg
import pytest

from orchestration.commands.common import APP_MIGRATIONS
from orchestration.demo import DEFAULT_SEED, officer_entries
from orchestration.lib.registry.measures import load_registry
from orchestration.lib.warehouse import bootstrap

pytestmark = pytest.mark.integration

LAST_MONTH = "2024-06"  # 15 months: five quarters from April 2023


def _manual_rows() -> list[dict]:
    return [row for row in load_registry().rows() if row["input_method"] == "manual"]


def test_entries_cover_every_manual_measure_at_its_own_frequency():
    entries = list(officer_entries.entries(LAST_MONTH, DEFAULT_SEED))
    registry = {(row["measure_id"], row["council_code"]): row for row in _manual_rows()}
    assert {(e.measure_id, e.council_code) for e in entries} == set(registry)

    for (measure_id, council), row in registry.items():
        periods = [
            (e.period_start, e.period_end)
            for e in entries
            if (e.measure_id, e.council_code) == (measure_id, council)
        ]
        expected = {"monthly": 15, "quarterly": 5}[row["frequency"]]
        assert len(periods) == len(set(periods)) == expected, measure_id
        if row["frequency"] == "quarterly":
            assert {start.month for start, _ in periods} == {4, 7, 10, 1}
            assert all((end.month - start.month) % 12 == 2 for start, end in periods)

    for entry in entries:
        if registry[(entry.measure_id, entry.council_code)]["unit"] == "percent":
            assert 0 < entry.value <= 100
            assert entry.value == pytest.approx(100 * entry.numerator / entry.denominator, abs=0.01)
        else:
            assert entry.value == entry.numerator > 0
    assert entries == list(officer_entries.entries(LAST_MONTH, DEFAULT_SEED))


def test_seeding_adds_what_is_missing_and_never_overwrites_an_officer(fresh_db):
    with psycopg.connect(fresh_db) as conn:
        bootstrap.ensure_manual_values(conn)
        conn.execute(
            "insert into input.manual_values (measure_id, council_code, period_start, "
            "period_end, value, entered_by, status) values ('ttd_leisure_visits', 'E07000234', "
            "'2023-04-01', '2023-04-30', 12345, 'a real officer', 'submitted')"
        )
    expected = len(list(officer_entries.entries(LAST_MONTH, DEFAULT_SEED)))

    assert officer_entries.seed(fresh_db, LAST_MONTH, DEFAULT_SEED) == expected - 1
    assert officer_entries.seed(fresh_db, LAST_MONTH, DEFAULT_SEED) == 0
    with psycopg.connect(fresh_db) as conn:
        kept = conn.execute(
            "select value, entered_by, status from input.manual_values "
            "where measure_id = 'ttd_leisure_visits' and council_code = 'E07000234' "
            "and period_start = '2023-04-01'"
        ).fetchall()
        confirmed = conn.execute(
            "select count(*) from input.manual_values "
            "where status = 'confirmed' and confirmed_by is not null and confirmed_at is not null"
        ).fetchone()[0]
    assert kept == [(12345, "a real officer", "submitted")]
    assert confirmed == expected - 1


def test_bdc_db_start_migrates_the_app_and_keeps_entries_made_before_it(fresh_db):
    # A pipeline run before the app existed made the fallback table; a value was entered in it.
    with psycopg.connect(fresh_db) as conn:
        bootstrap.ensure_manual_values(conn)
        conn.execute(
            "insert into input.manual_values (measure_id, council_code, period_start, "
            "period_end, value, entered_by, status) values ('ttd_leisure_visits', 'E07000236', "
            "'2024-05-01', '2024-05-31', 777, 'an officer', 'draft')"
        )
    bdc = str(Path(sys.executable).parent / "bdc")
    env = {**os.environ, "BDC_WAREHOUSE_URL": fresh_db}
    for _ in range(2):  # the second start finds the app migrated and changes nothing
        run = subprocess.run([bdc, "db", "start"], env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
    with psycopg.connect(fresh_db) as conn:
        migrations = conn.execute(
            "select count(*) from django_migrations where app = 'officer'"
        ).fetchone()[0]
        rows = conn.execute(
            "select id, measure_id, period_start, value, entered_by from input.manual_values"
        ).fetchall()
        leftovers = conn.execute("select to_regclass('input.manual_values_before_app')")
        assert leftovers.fetchone()[0] is None
    assert migrations == len(list(APP_MIGRATIONS.glob("0*.py")))
    assert [row[1:] for row in rows] == [
        ("ttd_leisure_visits", date(2024, 5, 1), 777, "an officer")
    ]
    assert rows[0][0] is not None  # the app's own key


def test_seeding_after_the_app_is_migrated_fills_the_apps_own_columns(fresh_db):
    # `make run`: `bdc db start` migrates the app, then `bdc demo` seeds with plain SQL that names
    # only the contract's columns; the app's later columns must take their database defaults.
    bdc = str(Path(sys.executable).parent / "bdc")
    env = {**os.environ, "BDC_WAREHOUSE_URL": fresh_db}
    run = subprocess.run([bdc, "db", "start"], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    expected = len(list(officer_entries.entries(LAST_MONTH, DEFAULT_SEED)))
    assert officer_entries.seed(fresh_db, LAST_MONTH, DEFAULT_SEED) == expected
    with psycopg.connect(fresh_db) as conn:
        reasons = conn.execute(
            "select distinct unusual_value_reason from input.manual_values"
        ).fetchall()
    assert reasons == [("",)]
