"""The publish step: disclosure-controlled tables that only public_reader-safe data reaches."""

from collections import defaultdict

import psycopg
import pytest

from orchestration.lib.publishing import disclosure, publish
from orchestration.lib.publishing.disclosure import Relation
from orchestration.lib.quality.gate import GateDecision
from tests.support import site_sample as sample

pytestmark = pytest.mark.integration


def public_url(admin_url: str) -> str:
    rest = admin_url.split("@", 1)[1]
    return f"postgresql://public_reader:public-test@{rest}"


@pytest.fixture
def published(fresh_db):
    sample.seed(fresh_db)
    result = publish.build_publish(fresh_db)
    return fresh_db, result


def rows(url, query):
    with psycopg.connect(url) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        return cur.execute(query).fetchall()


def test_only_public_measures_and_signed_off_public_commentary(published):
    url, result = published
    measures = rows(url, "select distinct measure_id from publish.measures")
    assert {m["measure_id"] for m in measures} == {m[0] for m in sample.MEASURES if m[5]}
    commentary = rows(url, "select * from publish.commentary")
    assert commentary and all("triage" in c["what_data_shows"] for c in commentary)
    assert result.missing_sources == []


def test_no_personal_columns_or_names_in_publish(published):
    url, _ = published
    columns = rows(
        url,
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'publish'",
    )
    assert not disclosure.personal_columns(c["column_name"] for c in columns)
    for table in {c["table_name"] for c in columns}:
        text = str(rows(url, f"select * from publish.{table}"))
        assert sample.OFFICER not in text
        assert "Mark Manager" not in text and sample.DIRECTOR not in text


def test_small_area_counts_are_suppressed_and_not_recoverable(published):
    url, result = published
    values = rows(url, "select * from publish.measure_values")
    wards = {
        (w["council_code"], w["ward_code"]): w["locality_code"]
        for w in rows(url, "select * from publish.ward_profiles")
    }
    assert result.suppressed > 0
    groups = defaultdict(dict)
    for v in values:
        key = (v["measure_id"], v["council_code"], v["period_start"])
        groups[key][(v["geography_type"], v["geography_code"])] = v
    suppressed_seen = 0
    for (measure_id, council, _start), cells in groups.items():
        small = {c: v for c, v in cells.items() if c[0] in ("ward", "locality")}
        count_columns = ["numerator", "denominator"]
        if measure_id == "env_flytip_reports":  # a count measure: its value is a count too
            count_columns.append("value")
        for column in ("numerator", "denominator", "value"):
            for v in small.values():
                if v[column] is None:
                    assert v[f"{column}_marker"] in ("[c]", "[x]")
                elif column in count_columns:
                    assert not 0 < float(v[column]) < disclosure.DEFAULT_THRESHOLD, v
            suppressed_seen += sum(v[f"{column}_marker"] == "[c]" for v in small.values())
            if column in count_columns:
                shown = {c: v[column] for c, v in small.items()}
                relations = publish.area_relations(small, council, wards)
                assert disclosure.recoverable(shown, relations) == set()
        for v in small.values():
            if v["numerator_marker"] == "[c]" or v["denominator_marker"] == "[c]":
                assert v["value_marker"] == "[c]", "a rate on a suppressed count is shown"
    assert suppressed_seen == result.suppressed


def test_public_reader_reads_publish_only(published):
    url, _ = published
    reader = public_url(url)
    assert rows(reader, "select count(*) as n from publish.measure_values")[0]["n"] > 0
    with psycopg.connect(reader) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("select * from marts.fct_measure_values limit 1")


def test_status_markers_and_quality_marks(published):
    url, _ = published
    markers = {
        (r["status"], r["status_marker"])
        for r in rows(url, "select status, status_marker from publish.measure_values")
    }
    assert ("provisional", "[p]") in markers and ("revised", "[r]") in markers
    assert ("final", None) in markers
    marks = {r["mark"] for r in rows(url, "select mark from publish.quality_marks")}
    assert marks == {"pass", "warn"}


def test_relation_check_catches_a_leak():
    cells = {("ward", "a"): None, ("ward", "b"): 10.0, ("locality", "L"): 12.0}
    relations = [Relation.of([("ward", "a"), ("ward", "b"), ("locality", "L")])]
    assert disclosure.recoverable(cells, relations) == {("ward", "a")}


def test_dagster_assets_publish_then_build_the_site(fresh_db, workspace, monkeypatch):
    import dagster as dg

    from orchestration.defs import publishing
    from orchestration.lib.dagster.resources import WarehouseResource

    monkeypatch.setenv("BDC_PUBLIC_READER_PASSWORD", "public-test")
    monkeypatch.setenv("BDC_WAREHOUSE_URL", fresh_db)
    monkeypatch.setattr(
        "orchestration.lib.quality.gate.check_gate",
        lambda url, output, period_end=None: GateDecision(True),
    )
    sample.seed(fresh_db)
    definitions = publishing.defs()
    result = dg.materialize(
        list(definitions.assets),
        resources={"warehouse": WarehouseResource(url=fresh_db)},
    )
    assert result.success
    keys = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"publish/measure_values", "publish/commentary", "site/public"} <= keys
    assert (workspace["output"] / "site" / "bromsgrove" / "index.html").exists()
