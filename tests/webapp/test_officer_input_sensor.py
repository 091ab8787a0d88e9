"""The officer-input sensor: values confirmed and commentary signed off since the cursor start one
run, exactly once."""

from datetime import UTC, datetime, timedelta

import dagster as dg
import psycopg
import pytest

from orchestration.defs import officer_input
from orchestration.defs.officer_input import sensors
from orchestration.lib.dagster.resources import WarehouseResource

pytestmark = pytest.mark.integration

# Only the columns the sensor reads; the app's migration makes the full tables.
TABLES = """
create schema if not exists input;
create table input.commentary (measure_id text, council_code text, period_start date,
    status text, signed_off_at timestamptz);
create table input.manual_values (measure_id text, council_code text, period_start date,
    status text, confirmed_at timestamptz);
"""


@pytest.fixture
def warehouse(fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(TABLES)
    return fresh_db


def add(url, table, measure, status, at, period="2026-04-01"):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            f"insert into input.{table} values (%s, 'E07000234', %s, %s, %s)",
            [measure, period, status, at],
        )


def evaluate(url, cursor=None, instance=None):
    """The rebuild request (or the skip reason), the report requests, and the cursor."""
    context = dg.build_sensor_context(
        cursor=cursor,
        resources={"warehouse": WarehouseResource(url=url)},
        instance=instance or dg.DagsterInstance.ephemeral(),
    )
    result = sensors.officer_input_sensor(context)
    if isinstance(result, dg.SkipReason):
        return result, context.cursor
    rebuild = [r for r in result if r.job_name == sensors.JOB_NAME]
    assert len(rebuild) == 1
    evaluate.reports = [r for r in result if r.job_name != sensors.JOB_NAME]
    return rebuild[0], context.cursor


def test_no_tables_yet_is_a_skip(fresh_db):
    result, cursor = evaluate(fresh_db)
    assert isinstance(result, dg.SkipReason)
    assert cursor is None


def test_confirmed_rows_request_one_run_then_nothing(warehouse):
    now = datetime.now(UTC)
    add(warehouse, "commentary", "hou_a", "signed_off", now - timedelta(minutes=2))
    add(warehouse, "manual_values", "hou_b", "confirmed", now - timedelta(minutes=1))
    add(warehouse, "commentary", "hou_c", "submitted", None)
    # Confirmed by the manager but not signed off: no report or page shows it yet.
    add(warehouse, "commentary", "hou_e", "confirmed", now - timedelta(minutes=1))

    result, cursor = evaluate(warehouse)
    assert isinstance(result, dg.RunRequest)
    assert result.tags["bdc/measures"] == "E07000234:hou_a,E07000234:hou_b"
    assert sensors.Cursor.parse(cursor).newest == now - timedelta(minutes=1)

    again, same_cursor = evaluate(warehouse, cursor)
    assert isinstance(again, dg.SkipReason)
    assert same_cursor == cursor


def test_confirmed_rows_also_rebuild_the_packs_whose_periods_hold_them(warehouse):
    add(warehouse, "commentary", "hou_a", "signed_off", datetime.now(UTC), period="2026-04-01")
    evaluate(warehouse)
    packs = {(r.job_name, r.partition_key) for r in evaluate.reports}
    # April 2026 is in the Cabinet cycle of May 2026 (March-April) and in O&S 2026-27 Q1.
    assert packs == {
        ("cabinet_report_job", "2026-05"),
        ("portfolio_briefing_job", "2026-05"),
        ("scrutiny_report_job", "2026-27-Q1"),
    }


def test_later_confirmation_starts_a_new_run_with_only_it(warehouse):
    now = datetime.now(UTC)
    add(warehouse, "commentary", "hou_a", "signed_off", now - timedelta(minutes=5))
    first, cursor = evaluate(warehouse)
    add(warehouse, "commentary", "hou_d", "signed_off", now)
    second, _ = evaluate(warehouse, cursor)
    assert isinstance(second, dg.RunRequest)
    assert second.tags["bdc/measures"] == "E07000234:hou_d"
    assert second.run_key != first.run_key


def test_late_commit_with_an_earlier_timestamp_is_not_missed(warehouse):
    """A confirmation stamped before the cursor but committed after it (two managers at once)."""
    now = datetime.now(UTC)
    add(warehouse, "commentary", "hou_a", "signed_off", now)
    _, cursor = evaluate(warehouse)
    add(warehouse, "manual_values", "hou_late", "confirmed", now - timedelta(seconds=3))
    result, after = evaluate(warehouse, cursor)
    assert isinstance(result, dg.RunRequest)
    assert result.tags["bdc/measures"] == "E07000234:hou_late"
    assert isinstance(evaluate(warehouse, after)[0], dg.SkipReason)


def test_cursor_forgets_rows_older_than_the_overlap():
    old = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [sensors.Confirmed("commentary", "m", "E07000234", "2026-01-01", old)]
    _, cursor = sensors.next_step(sensors.Cursor.parse(None), rows)
    assert cursor.seen == {rows[0].key}
    newer = sensors.Confirmed(
        "commentary", "n", "E07000234", "2026-01-01", old + timedelta(hours=1)
    )
    new, cursor = sensors.next_step(cursor, [newer])
    assert new == [newer]
    assert cursor.seen == {newer.key}
    assert sensors.Cursor.parse(cursor.dump()) == cursor


def test_definitions_expose_the_sensor_and_a_job_downstream_of_input():
    @dg.asset(key=["marts", "fct_measure_values"], deps=[dg.AssetKey(["input", "manual_values"])])
    def measures():
        return None

    merged = dg.Definitions.merge(
        officer_input.defs(),
        dg.Definitions(assets=[measures], resources={"warehouse": WarehouseResource(url="x")}),
    )
    job = merged.resolve_job_def(sensors.JOB_NAME)
    assert job.asset_layer.selected_asset_keys == {dg.AssetKey(["marts", "fct_measure_values"])}
    targets = {t.job_name for t in merged.resolve_sensor_def("officer_input_sensor").targets}
    assert sensors.JOB_NAME in targets and "cabinet_report_job" in targets


def test_first_evaluation_skips_what_the_last_measures_build_already_read(warehouse):
    """bdc run built the measures (with the demo's seeded entries): turning the sensor on
    afterwards starts nothing for them, only for what is confirmed after that run started."""
    add(
        warehouse, "manual_values", "hou_seeded", "confirmed", datetime.now(UTC) - timedelta(days=9)
    )

    @dg.asset(key=["marts", "fct_measure_values"])
    def measures():
        return None

    instance = dg.DagsterInstance.ephemeral()
    assert dg.materialize([measures], instance=instance).success
    skipped, cursor = evaluate(warehouse, instance=instance)
    assert isinstance(skipped, dg.SkipReason)

    add(warehouse, "manual_values", "hou_new", "confirmed", datetime.now(UTC))
    result, _ = evaluate(warehouse, cursor, instance=instance)
    assert result.tags["bdc/measures"] == "E07000234:hou_new"

    # With no build on record, everything confirmed is new (as before).
    fresh, _ = evaluate(warehouse)
    assert fresh.tags["bdc/measures"] == "E07000234:hou_new,E07000234:hou_seeded"
