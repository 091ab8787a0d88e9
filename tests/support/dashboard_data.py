"""Extra warehouse rows for the Dashboard's tests: wards and localities (marts.dim_geography),
their values (marts.fct_measure_values), measures in both councils and measures named by the
registry's codes. Call `seed(cursor)` inside a test's transaction: PostgreSQL rolls the tables
and rows back with it, so other tests see the conftest's data only."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import yaml

from orchestration.lib import environment
from tests.support.marts import create_table_sql

BROMSGROVE, REDDITCH = "E07000234", "E07000236"
MEASURES_MODELS = (
    environment.dbt_project_dir() / "models" / "marts" / "measures" / "_measures__models.yml"
)
WARDS = [
    ("E05009826", BROMSGROVE, "Avoncroft", "Bromsgrove Town"),
    ("E05009823", BROMSGROVE, "Alvechurch South", "Alvechurch and Tardebigge"),
    ("E05007867", REDDITCH, "Batchley & Brockhill", "Redditch North"),
]
LOCALITIES = [
    ("Bromsgrove Town", BROMSGROVE),
    ("Alvechurch and Tardebigge", BROMSGROVE),
    ("Redditch North", REDDITCH),
]
LATEST = date(2026, 9, 1)
# measure_id, council, name, service_area, team, unit, breakdowns, latest value
MEASURES = [
    ("hou_homeless_prevented_pct", REDDITCH, "Homelessness cases prevented", "housing",
     "housing_options", "percent", "", 68.0),
    ("ss_fly_tipping_count", BROMSGROVE, "Fly-tipping incidents cleared", "street_scene",
     "street_scene", "count", "ward,locality", 57574.0),
    ("ss_fly_tipping_count", REDDITCH, "Fly-tipping incidents cleared", "street_scene",
     "street_scene", "count", "ward,locality", 40210.0),
    ("pl_decision_days", BROMSGROVE, "Planning decision time", "planning",
     "development_management", "days", "", 3.14),
    ("fin_cost_per_claim", REDDITCH, "=HYPERLINK(\"http://x\") cost per claim", "benefits",
     "benefits", "gbp", "", 1234.4),
]  # fmt: skip


def _fct_measure_values_sql() -> str:
    models = yaml.safe_load(MEASURES_MODELS.read_text(encoding="utf-8"))["models"]
    (found,) = [m for m in models if m["name"] == "fct_measure_values"]
    columns = ", ".join(f"{c['name']} {c['data_type']}" for c in found["columns"])
    return f"create table if not exists marts.fct_measure_values ({columns});"


def insert_measure(cursor, measure_id, council, name, service, team, unit, breakdowns, *,
                   is_key=True, purpose="home", frequency="monthly") -> None:  # fmt: skip
    cursor.execute(
        "insert into marts.dim_measures (measure_id, council_code, name, kind, purpose_code, "
        "team, service_area, unit, polarity, frequency, is_public, is_key, input_method, "
        "definition, breakdowns) values (%s, %s, %s, 'operational', %s, %s, %s, %s, 'higher', "
        "%s, true, %s, 'derived', 'A definition.', %s)",
        [measure_id, council, name, purpose, team, service, unit, frequency, is_key, breakdowns],
    )


def insert_icon(cursor, measure_id, council, value, svg="", variation="common_cause") -> None:
    cursor.execute(
        "insert into analysis.measure_icons (measure_id, council_code, variation_icon, "
        "spc_shown, n, latest_period_start, latest_value, chart_svg, text_alternative) "
        "values (%s, %s, %s, true, 16, %s, %s, %s, 'A chart.')",
        [measure_id, council, variation, LATEST, value, svg],
    )


def seed(cursor) -> None:
    cursor.execute(create_table_sql("dim_geography"))
    cursor.execute(_fct_measure_values_sql())
    for code, council, name, locality in WARDS:
        cursor.execute(
            "insert into marts.dim_geography values ('ward', %s, %s, %s, %s)",
            [code, council, name, locality],
        )
    for name, council in LOCALITIES:
        cursor.execute(
            "insert into marts.dim_geography values ('locality', %s, %s, %s, %s)",
            [name, council, name, name],
        )
    for measure_id, council, name, service, team, unit, breakdowns, value in MEASURES:
        insert_measure(cursor, measure_id, council, name, service, team, unit, breakdowns)
        insert_icon(cursor, measure_id, council, value)
    # A value for the conftest's Bromsgrove measure, and a signal the chart could not read.
    cursor.execute(
        "update analysis.measure_icons set latest_value = 74.2, latest_period_start = %s "
        "where measure_id = 'hou_homeless_prevented_pct' and council_code = %s",
        [LATEST, BROMSGROVE],
    )
    cursor.execute(
        "update analysis.measure_icons set variation_icon = null, assurance_icon = null, "
        "no_signal_reason = 'too few points for process limits yet' "
        "where measure_id = 'fin_benefit_claims_count'"
    )
    # Fly-tipping by ward (an older and the latest month) and by locality.
    for code, value in [("E05009826", 120.0), ("E05009823", 80.0)]:
        for start, scale in [(date(2026, 8, 1), 2), (LATEST, 1)]:
            cursor.execute(
                "insert into marts.fct_measure_values (measure_id, council_code, period_start, "
                "period_end, geography_type, geography_code, value) values "
                "('ss_fly_tipping_count', %s, %s, %s, 'ward', %s, %s)",
                [BROMSGROVE, start, start.replace(day=28), code, value * scale],
            )
    cursor.execute(
        "insert into marts.fct_measure_values (measure_id, council_code, period_start, "
        "period_end, geography_type, geography_code, value) values "
        "('ss_fly_tipping_count', %s, %s, %s, 'locality', 'Redditch North', 4321)",
        [REDDITCH, LATEST, LATEST.replace(day=30)],
    )


@contextmanager
def committed_seed(cursor):
    """`seed` for a browser test, whose live server reads only committed rows: seeds, yields,
    then puts the tables back as they were (the measures and icons tables restored, the
    geography and values tables dropped if seeding made them), so other tests see the
    conftest's data only."""
    kept = {}
    for table in ("marts.dim_measures", "analysis.measure_icons"):
        cursor.execute(f"select * from {table}")
        kept[table] = cursor.fetchall()
    made = []
    for table in ("marts.dim_geography", "marts.fct_measure_values"):
        cursor.execute("select to_regclass(%s)", [table])
        if cursor.fetchone()[0] is None:
            made.append(table)
    seed(cursor)
    try:
        yield
    finally:
        for table in made:
            cursor.execute(f"drop table {table}")
        for table, rows in kept.items():
            cursor.execute(f"delete from {table}")
            for row in rows:
                marks = ", ".join(["%s"] * len(row))
                cursor.execute(f"insert into {table} values ({marks})", list(row))
