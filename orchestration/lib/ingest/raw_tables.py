"""The raw tables, raw.<source>: made sure of (columns from the contract, batch columns, key
and range indexes), written with COPY, locked one load at a time, and read for the codes other
sources check against.
"""

import pandas as pd
import psycopg
from psycopg import sql

from orchestration.lib.contracts import Contract


def ensure_raw_table(conn: psycopg.Connection, contract: Contract) -> None:
    if _raw_table_ready(conn, contract):
        return  # one catalogue query instead of three DDL statements, for every file
    columns = [
        sql.SQL("{} {}").format(sql.Identifier(column.name), sql.SQL(column.sql_type))
        for column in contract.columns
    ]
    # The batch columns default to this transaction's settings, so a CSV can be streamed
    # into COPY as it is (see copy_text).
    columns += [
        sql.SQL("_batch_id uuid not null default current_setting('bdc.batch_id', true)::uuid"),
        sql.SQL("_source_file text not null default current_setting('bdc.source_file', true)"),
        sql.SQL("_loaded_at timestamptz not null default now()"),
    ]
    table = sql.Identifier("raw", contract.source)
    conn.execute(
        sql.SQL("create table if not exists {} ({})").format(table, sql.SQL(", ").join(columns))
    )
    # A table created before its contract gained a column gains it, empty for the rows
    # already loaded (COPY names its columns, so their order does not matter).
    for column in contract.columns:
        conn.execute(
            sql.SQL("alter table {} add column if not exists {} {}").format(
                table, sql.Identifier(column.name), sql.SQL(column.sql_type)
            )
        )
    # No index on _batch_id: maintaining it cost a quarter of every load (docs/benchmarks.md),
    # and only the rare replacement of a batch (a scan) would use it. Older warehouses drop it.
    conn.execute(
        sql.SQL("drop index if exists {}").format(
            sql.Identifier("raw", f"{contract.source}__batch")
        )
    )
    if contract.primary_key:
        conn.execute(
            sql.SQL("create unique index if not exists {} on {} ({})").format(
                sql.Identifier(f"{contract.source}__pk"),
                table,
                sql.SQL(", ").join(map(sql.Identifier, contract.primary_key)),
            )
        )
    conn.execute(
        sql.SQL("create index if not exists {} on {} using brin ({})").format(
            sql.Identifier(f"{contract.source}__ranges"),
            table,
            sql.SQL(", ").join(map(sql.Identifier, _range_columns(contract))),
        )
    )


def _range_columns(contract: Contract) -> list[str]:
    """One BRIN index (a few pages) on when rows were loaded and on the period they belong to.
    Rows arrive in file order, so the incremental models find what changed since their last
    build, and read the months to recount, without reading the whole table (dbt macros
    months_to_rebuild, in_months_to_rebuild). One index on both columns, not one each: kept up
    as rows load, each index cost about a seventh of a large first load (scale 10: 6.6 M
    rows, 18 -> 20.5 s for two), and a BRIN index on two columns serves either alone."""
    return ["_loaded_at", *([contract.period_column] if contract.period_column else [])]


def _raw_table_ready(conn: psycopg.Connection, contract: Contract) -> bool:
    """The raw table exists, with every column of its contract, its key index when it has a
    key, its range index and no batch index (older warehouses gain the columns and the range
    index and lose the batch one here)."""
    table, key, ranges, batch, columns = conn.execute(
        "select to_regclass(%s), to_regclass(%s), to_regclass(%s), to_regclass(%s), "
        "(select count(*) from pg_attribute where attrelid = to_regclass(%s) "
        "and attname = any(%s) and not attisdropped)",
        (
            *(f"raw.{contract.source}{suffix}" for suffix in ("", "__pk", "__ranges", "__batch")),
            contract.table,
            contract.column_names,
        ),
    ).fetchone()
    return (
        None not in (table, ranges)
        and (key is not None or not contract.primary_key)
        and batch is None
        and columns == len(contract.columns)
    )


def _to_copy_csv(frame: pd.DataFrame, contract: Contract) -> str:
    """Rows as CSV for COPY: empty cells become NULL, booleans lower-cased."""
    out = frame.copy()
    for column in contract.columns:
        if column.type == "boolean":
            out[column.name] = out[column.name].str.lower()
    return out.to_csv(index=False, header=False, lineterminator="\n")


def known_codes(conn: psycopg.Connection, contract: Contract) -> dict[str, set[str]]:
    """For each column whose codes come from another loaded source (e.g. ward codes in the
    gazetteer), the codes that source holds; a source not loaded yet constrains nothing."""
    known: dict[str, set[str]] = {}
    for column in contract.columns:
        if not column.codes_from:
            continue
        source, other = column.codes_from.split(".")
        exists = conn.execute("select to_regclass(%s)", (f"raw.{source}",)).fetchone()[0]
        if exists is None:
            continue
        codes = {
            row[0]
            for row in conn.execute(
                sql.SQL("select distinct {}::text from {}").format(
                    sql.Identifier(other), sql.Identifier("raw", source)
                )
            )
        }
        if codes:
            known[column.name] = codes
    return known


def copy_text(
    conn, contract: Contract, text: str, header: list[str], batch_id: str, file_name: str
) -> None:
    """Stream the CSV unchanged into COPY, as the batch from the file: close to a plain COPY."""
    conn.execute(
        "select set_config('bdc.batch_id', %s, true), set_config('bdc.source_file', %s, true)",
        (batch_id, file_name),
    )
    columns = sql.SQL(", ").join(map(sql.Identifier, header))
    copy = sql.SQL(
        "copy {} ({}) from stdin with (format csv, header true, force_null ({}))"
    ).format(sql.Identifier("raw", contract.source), columns, columns)
    with conn.cursor().copy(copy) as copier:
        copier.write(text)


def copy_frame(
    conn, contract: Contract, frame: pd.DataFrame, batch_id: str, file_name: str
) -> None:
    """COPY the rows, as the batch from the file."""
    names = [*contract.column_names, "_batch_id", "_source_file"]
    frame = frame.assign(_batch_id=batch_id, _source_file=file_name)
    copy = sql.SQL("copy {} ({}) from stdin with (format csv)").format(
        sql.Identifier("raw", contract.source), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    with conn.cursor().copy(copy) as copier:
        copier.write(_to_copy_csv(frame, contract))


def lock_source(conn, source: str) -> None:
    """Hold the source's load lock until this transaction ends (taking it again is a no-op)."""
    conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (source,))
