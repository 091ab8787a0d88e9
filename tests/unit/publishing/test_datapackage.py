"""The open-data package descriptor: every column described and typed as its publish table,
sources and editions from the reference manifest, a build-independent `created`."""

import datetime as dt
import json

import pytest

from orchestration.lib import demonstration
from orchestration.lib.ingest.reference.manifest import Entry
from orchestration.lib.publishing import build, datapackage

pytestmark = pytest.mark.unit

COUNCIL = {"slug": "bromsgrove", "name": "Bromsgrove District Council"}
LICENCE = (build.LICENCE, build.LICENCE_URL)


def entry(loader: str, edition: str) -> Entry:
    return Entry(
        path=f"{loader}.csv",
        loader=loader,
        publisher="Office for National Statistics",
        title=f"Table of {loader}",
        edition=edition,
        official_url=f"https://www.ons.gov.uk/{loader}",
        download_url=None,
        carrier="https://example.org/carrier",
        licence="Open Government Licence v3.0",
        attribution="Source: Office for National Statistics.",
        retrieved="2026-11",
        sha256="0" * 64,
        rows=1,
    )


ENTRIES = [
    entry("ref_population", "Mid-2020"),
    entry("stats_flytipping", "2021/22 release"),
    entry("stats_recycling", "2023/24 annual results"),
]


def descriptor(demo=False, measures=()):
    tables = {"measures": list(measures), "measure_values": []}
    return datapackage.package(
        COUNCIL,
        build.DATASETS,
        tables,
        licence=LICENCE,
        demonstration=demo,
        entries=ENTRIES,
    )


@pytest.mark.parametrize("demo", [False, True])
def test_every_column_is_described_and_typed_as_its_publish_table(demo):
    package = descriptor(demo)
    resources = {r["name"]: r for r in package["resources"]}
    for spec in build.DATASETS:
        resource = resources[spec["name"]]
        fields = resource["schema"]["fields"]
        names = [f["name"] for f in fields]
        assert names == spec["columns"] + ([demonstration.CSV_COLUMN] if demo else [])
        table = datapackage.column_types(spec["table"])
        for field in fields:
            assert field["title"] and field["description"], field["name"]
            if field["name"] in table and field["name"] != "unit":
                assert field["type"] == table[field["name"]], field["name"]
            if field["name"] in spec["primary_key"]:
                assert field["constraints"]["required"] is True
        assert set(spec["primary_key"]) <= set(names)
        # Markers live in their own columns: the empty cell is the only missing value.
        assert resource["schema"]["missingValues"] == [""]
    values = {f["name"]: f for f in resources["measure-values"]["schema"]["fields"]}
    assert values["value"]["type"] == "number" and values["value_marker"]["type"] == "string"
    assert values["last_updated"]["type"] == "datetime"
    assert values["measure_name"]["type"] == "string"
    assert resources["measure-values"]["schema"]["foreignKeys"] == [
        {"fields": ["measure_id"], "reference": {"resource": "measures", "fields": ["measure_id"]}}
    ]


def test_numeric_publish_columns_map_to_numbers():
    types = datapackage.column_types("measure_values")
    assert types["numerator"] == types["value"] == "number"
    assert types["period_start"] == "date" and types["geography_code"] == "string"
    assert datapackage.column_types("locality_profiles")["ward_count"] == "integer"


def test_sources_give_each_statistics_edition_and_the_measures_using_it():
    measures = [
        {"measure_id": "saf_flytipping_per_1000", "source": "stats_flytipping,ref_population"},
        {"measure_id": "saf_flytipping_incidents", "source": "stats_flytipping"},
        {"measure_id": "saf_missed_bins", "source": "crm_contacts"},
    ]
    package = descriptor(measures=measures)
    resources = {r["name"]: r for r in package["resources"]}
    values = resources["measure-values"]["sources"]
    assert values[0] == {"title": build.DATASETS[1]["source"]}
    by_edition = {s["edition"]: s for s in values[1:]}
    assert set(by_edition) == {"Mid-2020", "2021/22 release"}  # recycling: no measure uses it
    assert by_edition["2021/22 release"]["measures"] == [
        "saf_flytipping_incidents",
        "saf_flytipping_per_1000",
    ]
    assert by_edition["Mid-2020"]["path"] == "https://www.ons.gov.uk/ref_population"
    profile_editions = [s.get("edition") for s in resources["ward-profiles"]["sources"]]
    assert "Mid-2020" in profile_editions
    assert [s["title"] for s in resources["cost-of-service"]["sources"]] == [
        build.DATASETS[-1]["source"]
    ]
    # The package lists each source once (without the per-resource measure lists).
    assert len(package["sources"]) == len({json.dumps(s) for s in package["sources"]})
    assert all("measures" not in s for s in package["sources"])


def test_created_is_the_newest_load_time_not_the_clock():
    london = dt.timezone(dt.timedelta(hours=1))
    rows = [
        {"last_updated": dt.datetime(2026, 5, 8, 10, 30, 15, 123456, tzinfo=london)},
        {"last_updated": dt.datetime(2026, 4, 8, 10, 30, tzinfo=dt.UTC)},
        {"last_updated": None},
    ]
    assert datapackage.created(rows) == "2026-05-08T09:30:15Z"
    assert datapackage.created([]) is None
    assert "created" not in descriptor()


def test_written_file_is_stable_and_names_the_licence(tmp_path):
    first = datapackage.write(
        tmp_path, COUNCIL, build.DATASETS, {}, licence=LICENCE, entries=ENTRIES
    ).read_bytes()
    again = datapackage.write(
        tmp_path, COUNCIL, build.DATASETS, {}, licence=LICENCE, entries=ENTRIES
    ).read_bytes()
    assert first == again
    package = json.loads(first)
    assert package["licenses"] == [
        {"name": "OGL-UK-3.0", "path": build.LICENCE_URL, "title": "Open Government Licence v3.0"}
    ]
    assert [r["path"] for r in package["resources"]] == [f"{d['name']}.csv" for d in build.DATASETS]
