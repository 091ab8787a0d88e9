"""The built site as the public sees it: every file scanned for personal data and for
suppressed values that subtraction would give away; the gate; reproducible data files."""

import csv
import json
import re
import time
import zipfile
from collections import defaultdict

import pytest

from orchestration.lib import demonstration
from orchestration.lib.publishing import build, data, disclosure, publish
from orchestration.lib.quality.gate import GateDecision
from tests.support import site_sample as sample

pytestmark = pytest.mark.integration

PERSONAL_VALUES = [sample.OFFICER, "Mark Manager", "A Director Person", "Cllr Someone"]
UPRN_LIKE = re.compile(r"(?<![\d.])\d{12}(?![\d.])")
ALLOW = lambda *_: GateDecision(True)  # noqa: E731


@pytest.fixture
def built(fresh_db, tmp_path):
    sample.seed(fresh_db)
    publish.build_publish(fresh_db)
    out = tmp_path / "site"
    started = time.perf_counter()
    result = build.build_site(fresh_db, data.reader_url(fresh_db, "public-test"), out, gate=ALLOW)
    return fresh_db, out, result, time.perf_counter() - started


def public_texts(root):
    """(path, text) of every public file; ODS files contribute their content.xml."""
    for path in sorted(root.rglob("*")):
        if path.suffix in (".html", ".csv", ".json"):
            yield path, path.read_text(encoding="utf-8")
        elif path.suffix == ".ods":
            with zipfile.ZipFile(path) as archive:
                yield path, archive.read("content.xml").decode()


def test_no_personal_field_in_any_public_file(built):
    _, root, result, _ = built
    scanned = {p.suffix for p, _ in public_texts(root)}
    assert scanned == {".html", ".csv", ".json", ".ods"}
    for path, text in public_texts(root):
        for value in PERSONAL_VALUES:
            assert value not in text, f"{value!r} in {path}"
        assert not UPRN_LIKE.search(text), f"UPRN-like number in {path}"
        if path.suffix == ".csv":
            header = text.splitlines()[0].split(",")
            assert disclosure.personal_columns(header) == [], path
        if path.suffix == ".json":
            assert disclosure.personal_columns(json.loads(text)["columns"]) == [], path


def test_no_suppressed_value_recoverable_from_the_open_data(built):
    _, root, _, _ = built
    checked = suppressed = 0
    for council_dir in (root / "data").iterdir():
        with (council_dir / "ward-profiles.csv").open(newline="") as handle:
            ward_locality = {
                ("", r["ward_code"]): r["locality_code"] for r in csv.DictReader(handle)
            }
        groups = defaultdict(dict)
        with (council_dir / "measure-values.csv").open(newline="") as handle:
            for r in csv.DictReader(handle):
                key = (r["measure_id"], r["period_start"], r["period_end"])
                groups[key][(r["geography_type"], r["geography_code"])] = r
        for cells in groups.values():
            small = {c: r for c, r in cells.items() if c[0] in ("ward", "locality")}
            relations = publish.area_relations(small, "", ward_locality)
            for column in ("numerator", "denominator", "value"):
                shown = {c: (None if r[column] == "[c]" else r[column]) for c, r in small.items()}
                suppressed += sum(v is None for v in shown.values())
                # values of ratio measures are not additive; counts are, and value = num/den
                if column != "value":
                    assert disclosure.recoverable(shown, relations) == set()
                    for r in small.values():
                        if r[column] not in ("", "[c]", "[x]"):
                            assert not 0 < float(r[column]) < disclosure.DEFAULT_THRESHOLD
                checked += 1
            for r in small.values():
                if "[c]" in (r["numerator"], r["denominator"]):
                    assert r["value"] == "[c]"
    assert checked > 100 and suppressed > 0


def test_markers_licence_and_pages_per_council(built):
    _, root, result, seconds = built
    for slug in ("bromsgrove", "redditch"):
        assert (root / slug / "accessibility" / "index.html").exists()
        assert (root / slug / "finance" / "index.html").exists()
        opendata = (root / slug / "open-data" / "index.html").read_text()
        assert "Open Government Licence v3.0" in opendata
        for ext in ("csv", "json", "ods"):
            assert f"measure-values.{ext}" in opendata
    values = (root / "data" / "bromsgrove" / "measure-values.csv").read_text()
    assert "[c]" in values and "[p]" in values and "[r]" in values
    css = (root / "assets" / "site.css").read_text()
    assert "GDS Transport" not in css and "govuk-crest" not in " ".join(
        p.name for p in root.rglob("*")
    )
    assert "Redditch Borough Council" in (root / "redditch" / "index.html").read_text()
    assert seconds < 30, f"site build took {seconds:.1f} s"


def test_rebuild_gives_identical_data_files(built, tmp_path):
    url, root, _, _ = built
    again = tmp_path / "again"
    build.build_site(url, data.reader_url(url, "public-test"), again, gate=ALLOW)
    first = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first == second


def test_every_ods_holds_the_rows_of_its_csv(built):
    """The ODS files are written by worker processes: each is whole, as many rows as its CSV."""
    _, root, result, _ = built
    csvs = sorted(root.glob("data/*/*.csv"))
    assert csvs and len(csvs) * 3 == len(result.files)
    for path in csvs:
        with zipfile.ZipFile(path.with_suffix(".ods")) as archive:
            content = archive.read("content.xml").decode()
        data_sheet = content.split("<table:table ")[-1]
        with path.open(encoding="utf-8", newline="") as handle:
            rows = sum(1 for _ in csv.reader(handle))
        assert data_sheet.count("<table:table-row>") == rows, path


def test_blocked_gate_keeps_the_last_good_site(built):
    url, root, _, _ = built
    before = (root / "bromsgrove" / "index.html").read_bytes()

    def blocked(*_):
        return GateDecision(False, reasons=["ERROR check failed: measure values"])

    with pytest.raises(build.SiteBlocked, match="last good site is kept"):
        build.build_site(url, data.reader_url(url, "public-test"), root, gate=blocked)
    assert (root / "bromsgrove" / "index.html").read_bytes() == before


def test_the_real_gate_is_called_with_the_site_output(built, monkeypatch):
    url, root, _, _ = built
    calls = []

    def fake(u, output, period_end=None):
        calls.append((u, output))
        return GateDecision(True)

    monkeypatch.setattr("orchestration.lib.quality.gate.check_gate", fake)
    build.build_site(url, data.reader_url(url, "public-test"), root)
    assert calls == [(url, "site")]


def test_site_reads_as_public_reader_only(built):
    url, root, _, _ = built
    with pytest.raises(Exception, match="password authentication failed"):
        build.build_site(url, data.reader_url(url, "wrong"), root, gate=ALLOW)


@pytest.fixture
def built_from_demo(fresh_db, tmp_path):
    """The site of a warehouse whose internal data came from `bdc demo` (the mark it sets)."""
    sample.seed(fresh_db)
    demonstration.mark(fresh_db)
    publish.build_publish(fresh_db)
    out = tmp_path / "demo-site"
    build.build_site(fresh_db, data.reader_url(fresh_db, "public-test"), out, gate=ALLOW)
    return fresh_db, out


def test_demonstration_data_is_labelled_on_every_page_and_data_file(built_from_demo):
    _, root = built_from_demo
    pages = sorted(root.rglob("*.html"))
    assert len(pages) >= 30
    for path in pages:
        html = path.read_text(encoding="utf-8")
        main = html.split('<main class="govuk-main-wrapper" id="main-content">', 1)[1]
        # First thing in the main content (where the skip link lands), before the heading.
        assert main.index(demonstration.LABEL) < main.index("<h1"), path
        assert "govuk-notification-banner" in main.split("<h1", 1)[0], path
        assert demonstration.EXPLANATION.replace("'", "&#39;") in html, path
        assert "- Demonstration data</title>" in html, path
    csvs = sorted(root.glob("data/*/*.csv"))
    assert len(csvs) == 14
    for path in csvs:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[0][-1] == demonstration.CSV_COLUMN, path
        assert len(rows) > 1 and all(row[-1] == demonstration.LABEL for row in rows[1:]), path
        meta = json.loads(path.with_suffix(".json").read_text())
        assert meta["notice"] == demonstration.LABEL, path
        assert demonstration.CSV_COLUMN not in meta["columns"]  # JSON says it once, up front
        with zipfile.ZipFile(path.with_suffix(".ods")) as archive:
            notes = archive.read("content.xml").decode().split("<table:table ")[1]
        assert demonstration.LABEL in notes, path


def test_real_data_carries_no_demonstration_label(built):
    _, root, _, _ = built
    scanned = 0
    for path, text in public_texts(root):
        assert demonstration.LABEL not in text, path
        assert "Demonstration" not in text and demonstration.CSV_COLUMN not in text, path
        scanned += 1
    assert scanned > 30
