"""deploy/postgres/init-databases.sh, the first start of the compose deployment's PostgreSQL,
against a real server: the warehouse's role can set the warehouse up (`bdc db start`'s
bootstrap), Dagster's role owns its database, and the read-only roles stay out of it."""

import os
import subprocess
import uuid
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from orchestration.lib import environment
from orchestration.lib.warehouse import bootstrap

pytestmark = pytest.mark.integration

SCRIPT = environment.REPO_ROOT / "deploy" / "postgres" / "init-databases.sh"


def _run(server: str, **variables: str) -> subprocess.CompletedProcess:
    parts = urlsplit(server)
    env = {
        **os.environ,
        "PGHOST": parts.hostname,
        "PGPORT": str(parts.port),
        "PGPASSWORD": parts.password or "",
        "POSTGRES_USER": parts.username,
        **variables,
    }
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True)


def _url(server: str, user: str, password: str, database: str) -> str:
    parts = urlsplit(server)
    return f"postgresql://{user}:{password}@{parts.hostname}:{parts.port}/{database}"


@pytest.fixture
def names(pg_server):
    suffix = uuid.uuid4().hex[:8]
    names = {
        "BDC_WAREHOUSE_USER": f"bdc_{suffix}",
        "BDC_WAREHOUSE_DB": f"warehouse_{suffix}",
        "DAGSTER_PG_USERNAME": f"dagster_{suffix}",
        "DAGSTER_PG_DB": f"dagster_{suffix}",
    }
    yield names
    with psycopg.connect(pg_server, autocommit=True) as conn:
        for database in (names["BDC_WAREHOUSE_DB"], names["DAGSTER_PG_DB"]):
            conn.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(database))
            )
        for role in (names["BDC_WAREHOUSE_USER"], names["DAGSTER_PG_USERNAME"]):
            conn.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))


def test_the_roles_and_databases_serve_the_warehouse_and_dagster(pg_server, names):
    result = _run(
        pg_server, BDC_WAREHOUSE_PASSWORD="warehouse-pw", DAGSTER_PG_PASSWORD="dagster-pw", **names
    )
    assert result.returncode == 0, result.stderr
    warehouse = _url(
        pg_server, names["BDC_WAREHOUSE_USER"], "warehouse-pw", names["BDC_WAREHOUSE_DB"]
    )
    # What `bdc db start` does first, as the warehouse's own role: schemas, roles, audit tables.
    bootstrap.bootstrap(warehouse)
    with psycopg.connect(warehouse) as conn:
        schemas = {
            row[0]
            for row in conn.execute(
                "select nspname from pg_namespace where nspname = any(%s)",
                (["raw", "input", "marts", "publish", "audit"],),
            )
        }
        assert schemas == {"raw", "input", "marts", "publish", "audit"}
    dagster = _url(pg_server, names["DAGSTER_PG_USERNAME"], "dagster-pw", names["DAGSTER_PG_DB"])
    with psycopg.connect(dagster) as conn:
        conn.execute("create table runs_probe (id int)")
    # Nobody else connects to Dagster's database (PUBLIC's CONNECT is revoked).
    with psycopg.connect(pg_server, autocommit=True) as conn:
        allowed = conn.execute(
            "select has_database_privilege('public_reader', %s, 'CONNECT')",
            (names["DAGSTER_PG_DB"],),
        ).fetchone()[0]
    assert allowed is False


def test_a_missing_password_stops_it_and_says_which(pg_server, names):
    result = _run(pg_server, BDC_WAREHOUSE_PASSWORD="warehouse-pw", DAGSTER_PG_PASSWORD="", **names)
    assert result.returncode != 0
    assert "DAGSTER_PG_PASSWORD" in result.stderr
    with psycopg.connect(pg_server) as conn:
        made = conn.execute(
            "select count(*) from pg_roles where rolname = %s", (names["BDC_WAREHOUSE_USER"],)
        ).fetchone()[0]
    assert made == 0, "nothing is created when a password is missing"
