"""The open data as software reads it: each council's datapackage.json passes the Frictionless
validator (the `frictionless validate` command, run from the package's folder as it requires),
every resource reads back with the rows and columns of its CSV, JSON and ODS, numeric columns
hold numbers only (markers beside them), and the package names its licence, sources and the
edition of each published statistic."""

import csv
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import frictionless
import pytest
import yaml

from orchestration.lib import demonstration
from orchestration.lib.ingest.reference import manifest
from orchestration.lib.publishing import build, data, datapackage, disclosure, publish
from orchestration.lib.quality.gate import GateDecision
from tests.conftest import REFERENCE_DIR
from tests.support import site_sample as sample

pytestmark = pytest.mark.integration

ALLOW = lambda *_: GateDecision(True)  # noqa: E731
SLUGS = ("bromsgrove", "redditch")
GSS = {disclosure.SUPPRESSED, disclosure.NOT_AVAILABLE, disclosure.NOT_APPLICABLE}
FRICTIONLESS = Path(sys.executable).with_name("frictionless")
ODS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
}


def _site(url, out, *, demo=False):
    sample.seed(url)
    if demo:
        demonstration.mark(url)
    publish.build_publish(url)
    build.build_site(url, data.reader_url(url, "public-test"), out, gate=ALLOW)
    return out


@pytest.fixture
def site(fresh_db, tmp_path):
    return _site(fresh_db, tmp_path / "site")


def cli_report(folder: Path) -> dict:
    """`frictionless validate datapackage.json` from the package's folder (the command refuses
    absolute and parent paths as unsafe), its --yaml report parsed."""
    done = subprocess.run(
        [str(FRICTIONLESS), "validate", datapackage.FILENAME, "--yaml"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = yaml.safe_load(done.stdout)
    assert isinstance(report, dict), done.stdout + done.stderr
    return report


def errors_of(report: dict) -> list[str]:
    found = [e.get("message", str(e)) for e in report.get("errors", [])]
    for task in report.get("tasks", []):
        found += [f"{task['name']}: {e.get('message', e)}" for e in task.get("errors", [])]
    return found


def csv_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def ods_data_sheet(path: Path) -> list[list[str]]:
    """The data sheet (the last) of an ODS file as rows of cell texts, repeated cells expanded."""
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read("content.xml"))
    table = root.findall(".//table:table", ODS)[-1]
    rows = []
    for row in table.findall(".//table:table-row", ODS):  # the header row is in header-rows
        cells = []
        for cell in row.findall("table:table-cell", ODS):
            text = "\n".join("".join(p.itertext()) for p in cell.findall("text:p", ODS))
            repeat = int(cell.get(f"{{{ODS['table']}}}number-columns-repeated", "1"))
            cells += [text] * repeat
        rows.append(cells)
    return rows


def test_each_councils_package_passes_the_frictionless_validator(site, tmp_path):
    for slug in SLUGS:
        folder = site / "data" / slug
        report = cli_report(folder)
        assert report["valid"] is True, errors_of(report)
        assert report["stats"]["tasks"] == len(build.DATASETS)
        assert {t["name"] for t in report["tasks"]} == {d["name"] for d in build.DATASETS}
    # The same validator fails the package once a marker sits in a number's cell, as the
    # values files had it before: the schema lists no marker as a missing value.
    broken = tmp_path / "broken"
    shutil.copytree(site / "data" / "bromsgrove", broken)
    values = broken / "measure-values.csv"
    with values.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    value, marker = header.index("value"), header.index("value_marker")
    row = next(r for r in rows[1:] if r[marker] == disclosure.SUPPRESSED)
    row[value] = disclosure.SUPPRESSED
    with values.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)
    report = cli_report(broken)
    assert report["valid"] is False
    assert any("value" in e and "[c]" in e for e in errors_of(report)), errors_of(report)


def test_every_resource_reads_back_as_its_csv_json_and_ods(site, monkeypatch):
    for slug in SLUGS:
        folder = site / "data" / slug
        monkeypatch.chdir(folder)  # frictionless reads only paths under the working folder
        package = frictionless.Package(datapackage.FILENAME)
        assert [r.name for r in package.resources] == [d["name"] for d in build.DATASETS]
        for resource in package.resources:
            names = resource.schema.field_names
            rows = resource.read_rows()
            table = csv_rows(folder / resource.path)
            document = json.loads((folder / f"{resource.name}.json").read_text())
            sheet = ods_data_sheet(folder / f"{resource.name}.ods")
            where = f"{slug}/{resource.name}"
            assert resource.name in ("commentary",) or rows, f"{where} has no rows"
            assert len(rows) == len(table) == len(document["data"]) == len(sheet) - 1, where
            assert names == document["columns"] == sheet[0], where
            assert [r["measure_id"] for r in rows if "measure_id" in names] == [
                r["measure_id"] for r in document["data"] if "measure_id" in names
            ], where
            for typed, raw, sheet_row in zip(rows, table, sheet[1:], strict=True):
                for name in names:
                    field = resource.schema.get_field(name)
                    cell = raw[name]
                    if field.type in ("number", "integer"):
                        # numbers only: a figure or an empty cell, never a marker
                        assert cell not in GSS, (where, name, cell)
                        assert (typed[name] is None) == (cell == ""), (where, name)
                        if cell:
                            assert float(cell) == float(typed[name])
                            assert float(document["data"][typed.row_number - 2][name]) == float(
                                cell
                            )
                        else:
                            assert document["data"][typed.row_number - 2][name] is None
                    index = names.index(name)
                    shown = sheet_row[index] if index < len(sheet_row) else ""
                    if field.type in ("number", "integer") and cell:
                        assert float(shown) == float(cell), (where, name)
                    elif field.type == "string":
                        assert shown == cell, (where, name)


def test_numbers_only_with_markers_beside_them(site):
    suppressed = unavailable = 0
    for slug in SLUGS:
        folder = site / "data" / slug
        descriptor = json.loads((folder / datapackage.FILENAME).read_text())
        assert all(r["schema"]["missingValues"] == [""] for r in descriptor["resources"])
        for resource in descriptor["resources"]:
            fields = {f["name"]: f for f in resource["schema"]["fields"]}
            rows = csv_rows(folder / resource["path"])
            for name, field in fields.items():
                marker = f"{name}_marker"
                if field["type"] in ("number", "integer"):
                    for row in rows:
                        if row[name]:
                            float(row[name])  # raises on anything but a number
                if marker in fields:
                    for row in rows:
                        # a figure, or an empty cell with its marker: never both, never neither
                        assert (row[name] == "") == (row[marker] != ""), (slug, name, row)
                        assert row[marker] in GSS | {""}
                        suppressed += row[marker] == disclosure.SUPPRESSED
                        unavailable += row[marker] == disclosure.NOT_AVAILABLE
        values = csv_rows(folder / "measure-values.csv")
        statuses = {r["status_marker"] for r in values}
        assert {disclosure.PROVISIONAL, disclosure.REVISED, ""} == statuses
        # a rate whose numerator or denominator is suppressed is suppressed too
        for r in values:
            if disclosure.SUPPRESSED in (r["numerator_marker"], r["denominator_marker"]):
                assert r["value_marker"] == disclosure.SUPPRESSED and r["value"] == ""
    assert suppressed > 50 and unavailable > 0


def test_values_name_their_measure_and_come_in_primary_key_order(site):
    for slug in SLUGS:
        folder = site / "data" / slug
        measures = {m["measure_id"]: m for m in csv_rows(folder / "measures.csv")}
        values = csv_rows(folder / "measure-values.csv")
        header = list(values[0])
        assert header[:3] == ["measure_id", "measure_name", "unit"]
        assert len({v["measure_id"] for v in values}) > 1
        for v in values:
            assert v["measure_name"] and v["measure_name"] == measures[v["measure_id"]]["name"]
            assert v["unit"] == measures[v["measure_id"]]["unit"]
        descriptor = json.loads((folder / datapackage.FILENAME).read_text())
        for resource in descriptor["resources"]:
            key = resource["schema"]["primaryKey"]
            rows = csv_rows(folder / resource["path"])
            keys = [tuple(r[k] for k in key) for r in rows]
            # ISO dates and codes: text order is the documented order
            assert keys == sorted(keys) and len(set(keys)) == len(keys), resource["name"]
            assert ", ".join(key) in resource["description"]


def test_package_names_licence_sources_editions_and_its_time(site):
    entries = manifest.load(REFERENCE_DIR).values()
    for slug in SLUGS:
        folder = site / "data" / slug
        descriptor = json.loads((folder / datapackage.FILENAME).read_text())
        licence = {
            "name": "OGL-UK-3.0",
            "path": build.LICENCE_URL,
            "title": "Open Government Licence v3.0",
        }
        assert descriptor["licenses"] == [licence]
        assert all(r["licenses"] == [licence] for r in descriptor["resources"])
        assert descriptor["name"] == f"{slug}-performance-open-data"
        # the newest figure's load time (the sample loads everything at one time), not the
        # wall clock: rebuilt files are identical (test_publish_site)
        assert descriptor["created"] == "2026-04-10T09:00:00Z"
        resources = {r["name"]: r for r in descriptor["resources"]}
        for name, resource in resources.items():
            assert resource["sources"][0]["title"], name
            alternatives = {a["format"]: a["path"] for a in resource["alternativeFormats"]}
            assert alternatives == {"json": f"{name}.json", "ods": f"{name}.ods"}
        editions = {
            (s["path"], s["edition"])
            for s in resources["ward-profiles"]["sources"]
            if "edition" in s
        }
        expected = {
            (e.official_url, e.edition)
            for e in entries
            if e.loader in ("ref_population", "ref_deprivation")
        }
        assert expected and expected <= editions
        assert all(s in descriptor["sources"] for s in resources["ward-profiles"]["sources"])
        fields = {f["name"]: f for f in resources["cost-of-service"]["schema"]["fields"]}
        assert fields["spend"]["unit"] == "GBP" and fields["spend"]["type"] == "number"
        opendata = (site / slug / "open-data" / "index.html").read_text()
        assert f"data/{slug}/datapackage.json" in opendata


def test_demonstration_packages_describe_their_data_note_column(fresh_db, tmp_path):
    root = _site(fresh_db, tmp_path / "demo-site", demo=True)
    for slug in SLUGS:
        folder = root / "data" / slug
        report = cli_report(folder)
        assert report["valid"] is True, errors_of(report)
        descriptor = json.loads((folder / datapackage.FILENAME).read_text())
        assert demonstration.LABEL in descriptor["title"]
        for resource in descriptor["resources"]:
            assert resource["schema"]["fields"][-1]["name"] == demonstration.CSV_COLUMN
