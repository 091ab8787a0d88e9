"""Create the warehouse's schemas, roles and audit tables (idempotent)."""

from pathlib import Path

import psycopg
from psycopg import sql

SQL_FILE = Path(__file__).parent / "sql" / "bootstrap.sql"
MANUAL_VALUES_SQL = Path(__file__).parent / "sql" / "manual_values.sql"


def bootstrap(url: str, passwords: dict[str, str] | None = None) -> None:
    """Schemas and roles (sql/bootstrap.sql); login passwords for the read-only roles when given."""
    with psycopg.connect(url, autocommit=True) as conn:
        # Several processes may bootstrap at once (tests, sensors); serialise them.
        conn.execute("select pg_advisory_lock(424242)")
        try:
            conn.execute(SQL_FILE.read_text())
            for role, password in (passwords or {}).items():
                conn.execute(
                    sql.SQL("alter role {} login password {}").format(
                        sql.Identifier(role), sql.Literal(password)
                    )
                )
        finally:
            conn.execute("select pg_advisory_unlock(424242)")


def ensure_manual_values(conn: psycopg.Connection) -> None:
    """input.manual_values as docs/tables.md defines it, when the officer app hasn't made it."""
    conn.execute(sql.SQL(MANUAL_VALUES_SQL.read_text()))
