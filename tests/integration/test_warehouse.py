import psycopg
import pytest

from orchestration.lib import bootstrap

pytestmark = pytest.mark.integration

SCHEMAS = {"raw", "input", "staging", "intermediate", "marts", "analysis", "publish", "audit"}


def _role_url(url: str, role: str, password: str) -> str:
    rest = url.split("@", 1)[1]
    return f"postgresql://{role}:{password}@{rest}"


def test_bootstrap_is_idempotent_and_creates_the_layers(fresh_db):
    bootstrap.bootstrap(fresh_db)
    bootstrap.bootstrap(fresh_db)
    with psycopg.connect(fresh_db) as conn:
        names = {row[0] for row in conn.execute("select nspname from pg_namespace")}
        roles = {row[0] for row in conn.execute("select rolname from pg_roles")}
    assert SCHEMAS <= names
    assert {"analyst", "public_reader", "bdc_loader"} <= roles


def test_analyst_reads_marts_but_is_refused_raw_and_input(fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for schema in ("raw", "input", "marts", "publish"):
            conn.execute(f"create table {schema}.probe as select 1 as x")
    analyst = _role_url(fresh_db, "analyst", "analyst-test")
    with psycopg.connect(analyst, autocommit=True) as conn:
        assert conn.execute("select x from marts.probe").fetchone() == (1,)
        assert conn.execute("select x from publish.probe").fetchone() == (1,)
        for schema in ("raw", "input"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"select x from {schema}.probe")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("insert into marts.probe values (2)")
    public = _role_url(fresh_db, "public_reader", "public-test")
    with psycopg.connect(public, autocommit=True) as conn:
        assert conn.execute("select x from publish.probe").fetchone() == (1,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select x from marts.probe")
