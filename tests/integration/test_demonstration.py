"""The warehouse's mark that its internal data came from `bdc demo` (audit.data_origin)."""

import psycopg
import pytest
from psycopg.rows import dict_row

from orchestration.lib import demonstration
from orchestration.lib.warehouse import bootstrap

pytestmark = pytest.mark.integration


def test_mark_and_clear_round_trip(fresh_db):
    assert demonstration.is_demonstration(fresh_db) is False
    demonstration.mark(fresh_db)
    demonstration.mark(fresh_db)  # idempotent: still one row
    assert demonstration.is_demonstration(fresh_db) is True
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("select count(*) from audit.data_origin").fetchone()[0] == 1
        # Any connection will do, including the reports' dict rows.
        assert demonstration.is_demonstration(conn) is True
    with psycopg.connect(fresh_db, row_factory=dict_row) as conn:
        assert demonstration.is_demonstration(conn) is True
    demonstration.clear(fresh_db)
    assert demonstration.is_demonstration(fresh_db) is False
    demonstration.clear(fresh_db)  # clearing twice is fine
    assert demonstration.is_demonstration(fresh_db) is False


def test_a_warehouse_without_the_table_is_not_a_demonstration(fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("drop table audit.data_origin")
    assert demonstration.is_demonstration(fresh_db) is False
    demonstration.clear(fresh_db)
    demonstration.mark(fresh_db)  # creates the table when bootstrap has not
    assert demonstration.is_demonstration(fresh_db) is True
    bootstrap.bootstrap(fresh_db)  # bootstrapping again keeps the mark
    assert demonstration.is_demonstration(fresh_db) is True


def test_only_one_origin_row_and_only_the_demonstration(fresh_db):
    demonstration.mark(fresh_db)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("insert into audit.data_origin (only_row, origin) values (false, 'x')")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("insert into audit.data_origin (origin) values ('demonstration')")
