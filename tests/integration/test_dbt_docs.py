"""dbt's documentation is regenerated when models or columns change, not when rows arrive."""

import psycopg
import pytest

from orchestration.lib.dbt import docs_fingerprint

pytestmark = pytest.mark.integration


def test_the_docs_fingerprint_follows_columns_not_rows(fresh_db):
    first = docs_fingerprint(fresh_db)
    assert docs_fingerprint(fresh_db) == first
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("create table marts.docs_probe (measure_id text)")
        with_table = docs_fingerprint(fresh_db)
        conn.execute("insert into marts.docs_probe select 'm' || n from generate_series(1, 50) n")
        with_rows = docs_fingerprint(fresh_db)
        conn.execute("alter table marts.docs_probe add column value numeric")
        with_column = docs_fingerprint(fresh_db)
    assert first != with_table == with_rows != with_column
