"""Write the validated registry into raw.measure_registry and raw.measure_purposes in one
transaction, audited."""

import hashlib
import uuid

import psycopg
from psycopg import sql

from orchestration.lib.registry.measures import Registry
from orchestration.lib.warehouse import bootstrap

TABLE = ("raw", "measure_registry")
PURPOSES_TABLE = ("raw", "measure_purposes")
BOOLEAN_COLUMNS = {"is_public", "is_key", "comparators"}
NUMERIC_COLUMNS = {"target"}


def column_type(name: str) -> str:
    if name in BOOLEAN_COLUMNS:
        return "boolean"
    if name in NUMERIC_COLUMNS:
        return "numeric"
    return "text"


def registry_checksum(registry: Registry) -> str:
    digest = hashlib.sha256()
    for path in registry.files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _ensure_table(conn: psycopg.Connection, columns: list[str]) -> None:
    table = sql.Identifier(*TABLE)
    conn.execute(
        sql.SQL(
            "create table if not exists {} (measure_id text not null, council_code text not null,"
            " _batch_id uuid not null, _source_file text not null,"
            " _loaded_at timestamptz not null default now(),"
            " primary key (measure_id, council_code))"
        ).format(table)
    )
    # Columns are only ever added, so dbt's views over this table survive a registry change.
    for name in columns:
        conn.execute(
            sql.SQL("alter table {} add column if not exists {} {}").format(
                table, sql.Identifier(name), sql.SQL(column_type(name))
            )
        )


def _write_purposes(conn: psycopg.Connection, registry: Registry, batch_id: str) -> None:
    table = sql.Identifier(*PURPOSES_TABLE)
    conn.execute(
        sql.SQL(
            "create table if not exists {} (purpose_code text primary key,"
            " purpose_name text not null, director text not null, description text not null,"
            " sort_order integer not null, _batch_id uuid not null, _source_file text not null,"
            " _loaded_at timestamptz not null default now())"
        ).format(table)
    )
    conn.execute(sql.SQL("delete from {}").format(table))
    with conn.cursor() as cursor:
        cursor.executemany(
            sql.SQL(
                "insert into {} (purpose_code, purpose_name, director, description,"
                " sort_order, _batch_id, _source_file) values (%s, %s, %s, %s, %s, %s, %s)"
            ).format(table),
            [
                (
                    p.code,
                    p.name,
                    p.director,
                    p.description,
                    p.sort_order,
                    batch_id,
                    "config/measures",
                )
                for p in registry.purposes
            ],
        )


def _table_exists(conn) -> bool:
    return conn.execute("select to_regclass('raw.measure_registry')").fetchone()[0] is not None


def write_registry(url: str, registry: Registry) -> str:
    """Replace raw.measure_registry with the registry's rows; return the batch id.

    The same registry twice is a no-op (its checksum is already loaded), as for landing files.
    """
    rows = registry.rows()
    columns = [name for name in rows[0] if name not in ("measure_id", "council_code")]
    batch_id = str(uuid.uuid4())
    checksum = registry_checksum(registry)
    with psycopg.connect(url) as conn:
        bootstrap.ensure_manual_values(conn)
        existing = conn.execute(
            "select batch_id from audit.loads where source = 'measure_registry' "
            "and file_checksum = %s and outcome = 'loaded'",
            (checksum,),
        ).fetchone()
        if existing and _table_exists(conn):
            conn.commit()
            return str(existing[0])
        conn.execute(
            "update audit.loads set outcome = 'superseded' "
            "where source = 'measure_registry' and outcome = 'loaded'"
        )
        _ensure_table(conn, columns)
        conn.execute(sql.SQL("delete from {}").format(sql.Identifier(*TABLE)))
        names = ["measure_id", "council_code", *columns, "_batch_id", "_source_file"]
        insert = sql.SQL("insert into {} ({}) values ({})").format(
            sql.Identifier(*TABLE),
            sql.SQL(", ").join(map(sql.Identifier, names)),
            sql.SQL(", ").join(sql.Placeholder() * len(names)),
        )
        with conn.cursor() as cursor:
            cursor.executemany(
                insert,
                [
                    [row[name] for name in names[:-2]]
                    + [batch_id, f"config/measures/{row['registry_file']}"]
                    for row in rows
                ],
            )
        _write_purposes(conn, registry, batch_id)
        conn.execute(
            "insert into audit.loads (batch_id, source, file_name, file_checksum, file_bytes,"
            " rows_read, rows_loaded, outcome, finished_at)"
            " values (%s, 'measure_registry', 'config/measures/*.yml', %s, %s, %s, %s,"
            " 'loaded', now())",
            (
                batch_id,
                checksum,
                sum(path.stat().st_size for path in registry.files),
                len(rows),
                len(rows),
            ),
        )
        conn.commit()
    return batch_id
