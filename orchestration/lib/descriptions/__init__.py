"""Descriptions of the tables analysts read (schemas marts, analysis and publish), stored in
PostgreSQL as comments, so `\\d+ marts.fct_measure_values` in psql shows what each column means,
and written into docs/tables.md from the same text (`python -m orchestration.lib.descriptions`).

Where each description is written, in one form (a table's name and description, and each
column's name and description):
- dbt models: the models' .yml files (dbt_project/models/marts/); dbt stores them when it builds
  a model (`persist_docs` in dbt_project.yml).
- tables built in Python: a `table_descriptions.yml` beside the code that builds them (`FILES`);
  the builder calls `apply()` after creating its tables, in the same transaction, so a table
  dropped and created again gets its comments back with it.

`coverage()` and `undescribed()` read what the database holds (pg_description): the tests fail
when a column has no description.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import psycopg
import yaml
from psycopg import sql

from orchestration.lib import environment

log = logging.getLogger(__name__)

SCHEMAS = ("marts", "analysis", "publish")
_LIB = environment.REPO_ROOT / "orchestration" / "lib"
# Every table_descriptions.yml: a new builder of tables in these schemas adds its file here.
FILES = (
    _LIB / "quality" / "table_descriptions.yml",
    _LIB / "analysis" / "table_descriptions.yml",
    _LIB / "publishing" / "table_descriptions.yml",
)
# pg_class.relkind of what an analyst can select from, and what COMMENT ON calls it.
RELATION_KINDS = {
    "r": "table",
    "p": "table",
    "v": "view",
    "m": "materialized view",
    "f": "foreign table",
}


class DescriptionError(ValueError):
    """A descriptions file that is not as this module expects; the message names the file,
    the table and the field."""


@dataclass(frozen=True)
class Column:
    name: str
    description: str


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    description: str
    columns: tuple[Column, ...]

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


def clean(text: str) -> str:
    """One line, single spaces: as stored and as docs/tables.md shows it."""
    return " ".join(str(text).split())


def _text(value, where: str, path: Path) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DescriptionError(f"{path}: {where}: needs a description (a non-empty text)")
    return clean(value)


def _mapping(value, keys: set[str], where: str, path: Path) -> dict:
    if not isinstance(value, dict):
        raise DescriptionError(f"{path}: {where}: must be a mapping with {', '.join(sorted(keys))}")
    unknown = sorted(set(value) - keys)
    if unknown:
        raise DescriptionError(
            f"{path}: {where}: unknown field {unknown[0]!r} (expected {', '.join(sorted(keys))})"
        )
    return value


def load_file(path: Path) -> list[Table]:
    """The tables a descriptions file describes, checked: every table and column named once,
    each with a description."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as problem:
        raise DescriptionError(f"{path}: not valid YAML ({problem})") from problem
    data = _mapping(data, {"schema", "tables"}, "the file", path)
    schema = data.get("schema")
    if schema not in SCHEMAS:
        raise DescriptionError(f"{path}: schema: must be one of {', '.join(SCHEMAS)}")
    if not isinstance(data.get("tables"), list) or not data["tables"]:
        raise DescriptionError(f"{path}: tables: must list the tables described")
    tables, seen = [], set()
    for number, entry in enumerate(data["tables"], start=1):
        entry = _mapping(entry, {"name", "description", "columns"}, f"table {number}", path)
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise DescriptionError(f"{path}: table {number}: needs a name")
        if name in seen:
            raise DescriptionError(f"{path}: table {name!r} is described twice")
        seen.add(name)
        where = f"table {name!r}"
        description = _text(entry.get("description"), where, path)
        if not isinstance(entry.get("columns"), list) or not entry["columns"]:
            raise DescriptionError(f"{path}: {where}: columns: must list the table's columns")
        columns, names = [], set()
        for position, column in enumerate(entry["columns"], start=1):
            column = _mapping(column, {"name", "description"}, f"{where}, column {position}", path)
            column_name = column.get("name")
            if not isinstance(column_name, str) or not column_name:
                raise DescriptionError(f"{path}: {where}, column {position}: needs a name")
            if column_name in names:
                raise DescriptionError(f"{path}: {where}: column {column_name!r} is listed twice")
            names.add(column_name)
            text = _text(column.get("description"), f"{where}, column {column_name!r}", path)
            columns.append(Column(column_name, text))
        tables.append(Table(schema, name, description, tuple(columns)))
    return tables


@cache
def python_tables() -> dict[tuple[str, str], Table]:
    """Every table built in Python that is described, by (schema, table)."""
    found: dict[tuple[str, str], Table] = {}
    for path in FILES:
        for table in load_file(path):
            key = (table.schema, table.name)
            if key in found:
                raise DescriptionError(f"{path}: {table.qualified} is also described elsewhere")
            found[key] = table
    return found


def _catalogue(conn: psycopg.Connection, schema: str, table: str) -> tuple[str | None, dict]:
    """(relkind, {column: comment}) of a relation, the relation's own comment under None;
    (None, {}) when there is no such relation."""
    rows = conn.execute(
        "select c.relkind::text, obj_description(c.oid, 'pg_class'), a.attname::text,"
        " col_description(c.oid, a.attnum)"
        " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped"
        " where n.nspname = %s and c.relname = %s order by a.attnum",
        (schema, table),
    ).fetchall()
    if not rows:
        return None, {}
    comments = {None: rows[0][1]}
    comments.update({column: comment for _, _, column, comment in rows})
    return rows[0][0], comments


def apply(conn: psycopg.Connection, schema: str, tables: Iterable[str] | None = None) -> list[str]:
    """Store the descriptions of `schema`'s tables built in Python (all of them, or `tables`)
    as comments, in the caller's transaction; only those that differ are written. A table that
    does not exist is skipped. Returns the columns left without a description (also logged):
    the build goes on, and the tests fail until they have one."""
    described = {name: t for (s, name), t in python_tables().items() if s == schema}
    missing: list[str] = []
    for name in described if tables is None else list(tables):
        kind, current = _catalogue(conn, schema, name)
        if kind is None:
            continue
        table = described.get(name)
        wanted: dict[str | None, str] = {}
        if table is not None:
            wanted = {None: table.description} | {c.name: c.description for c in table.columns}
        missing += [f"{schema}.{name}.{c}" for c in current if c is not None and c not in wanted]
        relation = sql.Identifier(schema, name)
        for column, text in wanted.items():
            if column not in current or current[column] == text:
                continue  # a column the table lacks, or a comment already right
            if column is None:
                statement = sql.SQL("comment on {} {} is {}").format(
                    sql.SQL(RELATION_KINDS.get(kind, "table")), relation, sql.Literal(text)
                )
            else:
                statement = sql.SQL("comment on column {}.{} is {}").format(
                    relation, sql.Identifier(column), sql.Literal(text)
                )
            conn.execute(statement)
    if missing:
        log.warning(
            "No description for %s: add them to its table_descriptions.yml", ", ".join(missing)
        )
    return missing


_COLUMNS_SQL = """
select n.nspname::text, c.relname::text, a.attname::text,
       coalesce(obj_description(c.oid, 'pg_class'), '') <> '' as table_described,
       coalesce(col_description(c.oid, a.attnum), '') <> '' as column_described
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
where n.nspname = any(%s) and c.relkind = any(%s)
order by 1, 2, a.attnum
"""


def _columns(conn: psycopg.Connection, schemas: Iterable[str]) -> list[tuple]:
    return conn.execute(_COLUMNS_SQL, (list(schemas), list(RELATION_KINDS))).fetchall()


def coverage(
    conn: psycopg.Connection, schemas: Iterable[str] = SCHEMAS
) -> dict[str, tuple[int, int]]:
    """Per schema: (columns with a description, all columns) of its tables and views."""
    counts: dict[str, list[int]] = {schema: [0, 0] for schema in schemas}
    for schema, _, _, _, described in _columns(conn, counts):
        counts[schema][0] += described
        counts[schema][1] += 1
    return {schema: (described, total) for schema, (described, total) in counts.items()}


def undescribed(conn: psycopg.Connection, schemas: Iterable[str] = SCHEMAS) -> list[str]:
    """Every table or view (`schema.table`) and column (`schema.table.column`) of `schemas`
    that has no description in the database."""
    out: list[str] = []
    for schema, table, column, table_described, column_described in _columns(conn, schemas):
        if not table_described and f"{schema}.{table}" not in out:
            out.append(f"{schema}.{table}")
        if not column_described:
            out.append(f"{schema}.{table}.{column}")
    return out
