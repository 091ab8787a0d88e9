"""audit.shares: every extract and refusal: what, to whom, under which agreement, when."""

from __future__ import annotations

import json

import psycopg

SHARES_DDL = """
create schema if not exists audit;
create table if not exists audit.shares (
    share_id uuid primary key,
    agreement_id text not null,
    agreement_version int,
    partner text,
    purpose text,
    lawful_basis text,
    outcome text not null check (outcome in ('extracted', 'refused')),
    message text,
    datasets text[] not null default '{}',
    geography_level text,
    period_start date,
    period_end date,
    suppressed_cells int not null default 0,
    output_dir text,
    files jsonb not null default '[]'::jsonb,
    manifest_sha256 text,
    shared_by text not null default current_user,
    shared_at timestamptz not null default now()
);
create index if not exists shares_agreement on audit.shares (agreement_id, shared_at);
"""


def ensure_table(conn: psycopg.Connection) -> None:
    conn.execute(SHARES_DDL)


def record(conn: psycopg.Connection, **row) -> None:
    """Insert one audit row in the caller's transaction (files as a list of dicts)."""
    ensure_table(conn)
    row = {**row, "files": json.dumps(row.get("files") or [])}
    columns = ", ".join(row)
    placeholders = ", ".join(f"%({name})s" for name in row)
    conn.execute(f"insert into audit.shares ({columns}) values ({placeholders})", row)
