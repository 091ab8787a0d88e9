"""dbt's documentation is regenerated when models or columns change, not when rows arrive."""

import psycopg
import pytest

from orchestration.lib import dbt
from orchestration.lib.dbt import docs_fingerprint

pytestmark = pytest.mark.integration


def test_the_docs_fingerprint_follows_documented_columns_not_rows(fresh_db):
    dbt.prepare_manifest()
    first = docs_fingerprint(fresh_db)
    assert docs_fingerprint(fresh_db) == first
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("create table marts.dim_purposes (purpose_code text)")  # a dbt model
        with_table = docs_fingerprint(fresh_db)
        conn.execute("insert into marts.dim_purposes select 'p' || n from generate_series(1, 50) n")
        with_rows = docs_fingerprint(fresh_db)
        # A table dbt doesn't document (written by another step) leaves the docs as they are.
        conn.execute("create table marts.not_from_dbt (anything text)")
        with_other_table = docs_fingerprint(fresh_db)
        conn.execute("alter table marts.dim_purposes add column purpose_name text")
        with_column = docs_fingerprint(fresh_db)
    assert first != with_table == with_rows == with_other_table != with_column
