"""Whether the warehouse's internal data came from the demonstration generator (`bdc demo`).

The demo invents the councils' CRM, cases, finance, HR, gazetteer and partner returns; the
published statistics it loads beside them (ONS, MHCLG, Defra) are real. Outputs built from such
a warehouse must say so on every page, so nobody mistakes them for the council's own figures:
the public site (a banner on every page, a note in every open-data file) and the member reports
(a banner in the HTML, the label on every PDF page, a column of the figures' CSV).

`bdc demo` calls `mark(url)`; the mark is one row of audit.data_origin. Without it (real data,
or a warehouse made before the mark existed) nothing is labelled.
"""

from __future__ import annotations

import psycopg

LABEL = "Demonstration data: not real council figures"
EXPLANATION = (
    "The council's service, finance, staffing and partner figures here are invented to "
    "demonstrate the platform; the published statistics from ONS, MHCLG and Defra are real."
)
# The column a CSV gets in a demonstration (last, so readers by position keep their columns).
CSV_COLUMN = "data_note"
ORIGIN = "demonstration"
TABLE = "audit.data_origin"

# The same statement as in sql/bootstrap.sql, so marking works before (or without) bootstrap.
DDL = """
create schema if not exists audit;
create table if not exists audit.data_origin (
    only_row boolean primary key default true check (only_row),
    origin text not null check (origin in ('demonstration')),
    marked_at timestamptz not null default now(),
    marked_by text not null default current_user
);
"""


def mark(url: str) -> None:
    """Record that the warehouse's internal data came from the demonstration generator."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(DDL)
        conn.execute(
            "insert into audit.data_origin (origin) values (%s) on conflict (only_row) do "
            "update set origin = excluded.origin, marked_at = now(), marked_by = current_user",
            (ORIGIN,),
        )


def clear(url: str) -> None:
    """Remove the mark: the warehouse's data are the council's own."""
    with psycopg.connect(url, autocommit=True) as conn:
        if _exists(conn):
            conn.execute("delete from audit.data_origin")


def is_demonstration(conn_or_url: psycopg.Connection | str) -> bool:
    """True when the warehouse carries the demonstration mark (False when the table is absent)."""
    if isinstance(conn_or_url, str):
        with psycopg.connect(conn_or_url) as conn:
            return _marked(conn)
    return _marked(conn_or_url)


def _exists(conn: psycopg.Connection) -> bool:
    row = conn.execute("select to_regclass(%s) is not null", (TABLE,)).fetchone()
    return bool(_first(row))


def _marked(conn: psycopg.Connection) -> bool:
    if not _exists(conn):
        return False
    row = conn.execute(
        "select exists (select 1 from audit.data_origin where origin = %s)", (ORIGIN,)
    ).fetchone()
    return bool(_first(row))


def _first(row) -> object:
    """The first column of a row from any row factory (tuples, or dicts as reporting uses)."""
    if row is None:
        return None
    return next(iter(row.values())) if isinstance(row, dict) else row[0]
