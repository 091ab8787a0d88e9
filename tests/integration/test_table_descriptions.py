"""The tables built in Python carry their descriptions in PostgreSQL after every build, through
their real builders: analysis (store.replace), publish (build_publish, which drops and creates
its tables) and marts.measure_quality (build_measure_quality). The dbt models' descriptions
(persist_docs) are checked after a whole run in tests/e2e/test_pipeline.py."""

import psycopg
import pytest
import yaml

from orchestration.lib import descriptions, environment
from orchestration.lib.analysis import store as analysis_store
from orchestration.lib.publishing import publish
from orchestration.lib.quality import marks
from tests.support.marts import DIM_MEASURES_SQL

pytestmark = pytest.mark.integration

MEASURES_MODELS = (
    environment.dbt_project_dir() / "models" / "marts" / "measures" / "_measures__models.yml"
)


def _fct_measure_values_sql() -> str:
    """`create table marts.fct_measure_values` with its contract's columns (empty: no figures)."""
    models = yaml.safe_load(MEASURES_MODELS.read_text(encoding="utf-8"))["models"]
    (model,) = [m for m in models if m["name"] == "fct_measure_values"]
    columns = ", ".join(f"{c['name']} {c['data_type']}" for c in model["columns"])
    return f"create table marts.fct_measure_values ({columns})"


def _comment(conn, schema: str, table: str, column: str | None = None) -> str | None:
    if column is None:
        query = "select obj_description(%s::regclass, 'pg_class')"
        return conn.execute(query, (f"{schema}.{table}",)).fetchone()[0]
    return conn.execute(
        "select col_description(a.attrelid, a.attnum) from pg_attribute a"
        " where a.attrelid = %s::regclass and a.attname = %s",
        (f"{schema}.{table}", column),
    ).fetchone()[0]


def _build_all(url: str) -> None:
    analysis_store.replace(url, {name: [] for name in analysis_store.TABLES})
    publish.build_publish(url)  # no marts yet: every publish table is published empty
    assert marks.build_measure_quality(url) == 0


def test_python_built_tables_carry_their_descriptions_after_every_build(fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(_fct_measure_values_sql())
        conn.execute(DIM_MEASURES_SQL)
    _build_all(fresh_db)

    described = descriptions.python_tables()
    with psycopg.connect(fresh_db) as conn:
        assert descriptions.undescribed(conn, ["analysis", "publish"]) == []
        quality = [n for n in descriptions.undescribed(conn, ["marts"]) if "measure_quality" in n]
        assert quality == []
        shares = descriptions.coverage(conn, ["analysis", "publish"])
        for schema in ("analysis", "publish"):
            columns = sum(len(t.columns) for (s, _), t in described.items() if s == schema)
            assert shares[schema] == (columns, columns), schema
        # What is stored is the text of table_descriptions.yml, for tables and columns alike.
        for schema, table, column in (
            ("publish", "measure_values", "value_marker"),
            ("analysis", "measure_spc", "upl"),
            ("marts", "measure_quality", "status"),
        ):
            entry = described[(schema, table)]
            wanted = {c.name: c.description for c in entry.columns}[column]
            assert _comment(conn, schema, table, column) == wanted
            assert _comment(conn, schema, table) == entry.description

        # A comment changed by hand, and a column the descriptions do not know.
        conn.execute("comment on column analysis.measure_icons.n is 'changed by hand'")
        conn.execute("comment on column publish.purposes.sort_order is null")
        conn.execute("alter table analysis.measure_spc add column extra integer")
        conn.commit()
        missing = descriptions.undescribed(conn)
        assert "analysis.measure_spc.extra" in missing
        assert "publish.purposes.sort_order" in missing
        assert "marts.fct_measure_values.value" in missing  # made here, not by dbt

    # The next build puts the descriptions back: publish drops and creates its tables, analysis
    # keeps its tables and has its comments corrected; the unknown column is reported.
    _build_all(fresh_db)
    with psycopg.connect(fresh_db) as conn:
        assert _comment(conn, "publish", "purposes", "sort_order") is not None
        assert _comment(conn, "analysis", "measure_icons", "n") != "changed by hand"
        assert descriptions.undescribed(conn, ["analysis", "publish"]) == [
            "analysis.measure_spc.extra"
        ]
        assert descriptions.apply(conn, "analysis", ["measure_spc"]) == [
            "analysis.measure_spc.extra"
        ]
