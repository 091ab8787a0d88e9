"""The analysis tables (docs/tables.md) and replacing their contents atomically with COPY."""

from __future__ import annotations

import psycopg
from psycopg import sql

from orchestration.lib import descriptions

SPC_POINT_COLUMNS = (
    ("value", "double precision"),
    ("partition", "integer not null"),
    ("ghost", "boolean not null"),
    ("mean", "double precision"),
    ("upl", "double precision"),
    ("lpl", "double precision"),
    ("upper_two_sigma", "double precision"),
    ("lower_two_sigma", "double precision"),
    ("rules_high", "text not null"),
    ("rules_low", "text not null"),
    ("point_type", "text"),
)
ICON_COLUMNS = (
    ("variation_icon", "text"),
    ("assurance_icon", "text"),
    ("spc_shown", "boolean not null"),
    ("n", "integer not null"),
    ("latest_period_start", "date"),
    ("latest_value", "double precision"),
    ("previous_value", "double precision"),
    ("warnings", "text not null"),
    ("no_signal_reason", "text"),
    ("text_alternative", "text not null"),
    ("chart_svg", "text not null"),
)
MEASURE_KEY = (("measure_id", "text not null"), ("council_code", "text not null"))
CASE_KEY = (
    ("council_code", "text not null"),
    ("service", "text not null"),
    ("case_type", "text not null"),
    ("view", "text not null check (view in ('case', 'month'))"),
)
VERDICT_CHECK = "('improvement', 'deterioration', 'no_change', 'insufficient_data')"

# table -> (columns with types, primary key)
TABLES = {
    "measure_spc": (
        (*MEASURE_KEY, ("period_start", "date not null"), *SPC_POINT_COLUMNS),
        ("measure_id", "council_code", "period_start"),
    ),
    "measure_icons": ((*MEASURE_KEY, *ICON_COLUMNS), ("measure_id", "council_code")),
    "case_e2e_spc": (
        (
            *CASE_KEY,
            ("point_index", "integer not null"),
            ("period_start", "date not null"),
            ("cases", "integer not null"),
            *SPC_POINT_COLUMNS,
        ),
        ("council_code", "service", "case_type", "view", "point_index"),
    ),
    "case_e2e_icons": (
        (*CASE_KEY, *ICON_COLUMNS),
        ("council_code", "service", "case_type", "view"),
    ),
    "trials": (
        (
            ("trial_id", "text not null"),
            ("title", "text not null"),
            ("hypothesis", "text not null"),
            ("service", "text"),
            ("locality", "text"),
            ("council_code", "text not null"),
            ("start_date", "date not null"),
            ("end_date", "date"),
            ("measure_ids", "text[] not null"),
            ("owner", "text not null"),
        ),
        ("trial_id",),
    ),
    "trial_verdicts": (
        (
            ("trial_id", "text not null"),
            ("measure_id", "text not null"),
            ("verdict", f"text not null check (verdict in {VERDICT_CHECK})"),
            ("sustained", "boolean not null"),
            ("evidence", "text not null"),
            ("computed_at", "timestamptz not null"),
        ),
        ("trial_id", "measure_id"),
    ),
}


def columns_of(table: str) -> list[str]:
    """Column names of one analysis table, in order."""
    return [name for name, _ in TABLES[table][0]]


def _definition(table: str) -> sql.Composable:
    columns, key = TABLES[table]
    parts = [sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind)) for name, kind in columns]
    parts.append(sql.SQL("primary key ({})").format(sql.SQL(", ").join(map(sql.Identifier, key))))
    return sql.SQL(", ").join(parts)


def ensure_tables(conn: psycopg.Connection, tables) -> None:
    conn.execute("create schema if not exists analysis")
    for table in tables:
        conn.execute(
            sql.SQL("create table if not exists {} ({})").format(
                sql.Identifier("analysis", table), _definition(table)
            )
        )
        # a table made before a column was added gains it (nullable columns only)
        for name, kind in TABLES[table][0]:
            if "not null" not in kind:
                conn.execute(
                    sql.SQL("alter table {} add column if not exists {} {}").format(
                        sql.Identifier("analysis", table), sql.Identifier(name), sql.SQL(kind)
                    )
                )
    # what each column means, for analysts (table_descriptions.yml beside this file)
    descriptions.apply(conn, "analysis", tables)


def replace(url: str, contents: dict[str, list[dict]]) -> dict[str, int]:
    """Replace each table's rows with `contents[table]` (dicts keyed by column) in ONE
    transaction: readers see the old rows or the new rows, never a mix or an empty table."""
    with psycopg.connect(url) as conn:
        ensure_tables(conn, contents)
        counts = {}
        for table, rows in contents.items():
            columns = columns_of(table)
            target = sql.Identifier("analysis", table)
            conn.execute(sql.SQL("delete from {}").format(target))
            copy_sql = sql.SQL("copy {} ({}) from stdin").format(
                target, sql.SQL(", ").join(map(sql.Identifier, columns))
            )
            with conn.cursor().copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns])
            counts[table] = len(rows)
        conn.commit()
    return counts
