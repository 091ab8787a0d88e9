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
from orchestration.lib.publishing import build, data, datapackage, disclosure, publish
from orchestration.lib.quality.gate import GateDecision
from tests.support import site_sample as sample

pytestmark = pytest.mark.integration

PERSONAL_VALUES = [sample.OFFICER, "Mark Manager", "A Director Person", "Cllr Someone"]
UPRN_LIKE = re.compile(r"(?<![\d.])\d{12}(?![\d.])")
ALLOW = lambda *_: GateDecision(True)  # noqa: E731


@pytest.fixture
def built(fresh_db, tmp_path):
    sample.seed(fresh_db)
    sample.name_localities(fresh_db)
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
        if path.name == datapackage.FILENAME:
            resources = json.loads(text)["resources"]
            fields = [f["name"] for r in resources for f in r["schema"]["fields"]]
            assert fields and disclosure.personal_columns(fields) == [], path
        elif path.suffix == ".json":
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
                # a suppressed figure: an empty cell, "[c]" in the column beside it
                hidden = {c for c, r in small.items() if r[f"{column}_marker"] == "[c]"}
                shown = {c: (None if c in hidden else r[column]) for c, r in small.items()}
                suppressed += sum(v is None for v in shown.values())
                # values of ratio measures are not additive; counts are, and value = num/den
                if column != "value":
                    assert disclosure.recoverable(shown, relations) == set()
                    for r in small.values():
                        if r[column] != "":
                            assert not 0 < float(r[column]) < disclosure.DEFAULT_THRESHOLD
                checked += 1
            for r in small.values():
                if "[c]" in (r["numerator_marker"], r["denominator_marker"]):
                    assert r["value_marker"] == "[c]" and r["value"] == ""
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
    packages = sorted(root.glob("data/*/datapackage.json"))
    assert csvs and len(csvs) * 3 + len(packages) == len(result.files) and len(packages) == 2
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


# ---- what a resident reads --------------------------------------------------------------

# Codes and names of our own that must never show on a page: ONS area codes (councils E07..,
# wards E05.., areas E01/E02/E00..), snake_case words (measure ids, services, table columns),
# and table names.
CODE_OR_NAME = re.compile(
    r"\b[EWSNK]\d{8}\b"
    r"|\b[a-z0-9]+(?:_[a-z0-9]+)+\b"
    r"|\b(?:publish|marts|raw|staging|analysis|input|audit)\.[a-z_]+"
    r"|\b(?:dim|fct|stg|int)_\w+"
)


def visible_text(html: str) -> str:
    """The words a reader sees: the page without its tags, scripts, data blocks and styles
    (links and ids may hold codes; what they say may not)."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        skip = 0
        words: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "style", "head"):
                self.skip += 1
            for name, value in attrs:
                # Read out by screen readers, so held to the same rule.
                if name in ("aria-label", "alt", "title") and value:
                    self.words.append(value)

        def handle_endtag(self, tag):
            if tag in ("script", "style", "head"):
                self.skip -= 1

        def handle_data(self, data):
            if not self.skip:
                self.words.append(data)

    parser = Text()
    parser.words = []
    parser.feed(html)
    return " ".join(parser.words)


def test_the_scan_finds_codes_and_table_names():
    page = (
        "<p>Bromsgrove E07000234 ward E05009823 from publish.measure_values, "
        "marts.fct_cost_of_service: street_scene and dim_measures</p>"
    )
    found = CODE_OR_NAME.findall(visible_text(page))
    assert found == [
        "E07000234",
        "E05009823",
        "publish.measure_values",
        "marts.fct_cost_of_service",
        "street_scene",
        "dim_measures",
    ]
    hidden = '<a href="wards/E05009823/index.html">Alvechurch</a><script>var a_b = 1;</script>'
    assert CODE_OR_NAME.findall(visible_text(hidden)) == []


def test_no_page_shows_an_identifier_or_table_name(built):
    _, root, result, _ = built
    pages = sorted(root.rglob("*.html"))
    assert len(pages) == len(result.pages)
    found = {}
    for path in pages:
        codes = sorted(set(CODE_OR_NAME.findall(visible_text(path.read_text(encoding="utf-8")))))
        if codes:
            found[str(path.relative_to(root))] = codes
    assert found == {}


def test_home_page_answers_the_top_tasks_in_words_with_a_chart_link(built):
    _, root, _, _ = built
    home = (root / "bromsgrove" / "index.html").read_text()
    text = visible_text(home)
    for question in ("Are bins being collected?", "Is fly-tipping being dealt with?",
                     "Is council tax being collected?", "How is my area doing?"):  # fmt: skip
        assert question in text
    # The sample's fly-tipping reports: the latest month named, the trend in words, the chart.
    assert re.search(r"Fly-tipping reports</strong>: [\d,]+ in March 2026", home)
    assert re.search(r"Trend over time: (Steady|Improving|Getting worse|No signal read)", text)
    assert 'href="measures/env_flytip_reports/index.html"' in home
    assert 'href="../bromsgrove/how-to-read-charts/index.html"' in home
    assert (root / "bromsgrove" / "how-to-read-charts" / "index.html").exists()
    # Two clicks to a ward: open the list, choose the ward.
    assert 'href="../bromsgrove/wards/E05009000/index.html"' in home
    assert '<script src="../assets/postcode.js" defer>' in home


def test_ward_pages_give_rates_and_never_a_rate_of_a_suppressed_count(built):
    _, root, _, _ = built
    for path in (root / "bromsgrove" / "wards").glob("*/index.html"):
        html = path.read_text()
        assert "Per 1,000 residents" in html and "Deprivation" in html
        html = html.split("Shares and times")[0]  # the counts table comes first
        assert "has not published household counts for the wards drawn in 2024" in html
        # Each counts row: number, its rate, then locality and district rates. A hidden
        # number has a hidden rate.
        for number, rate in re.findall(
            r'govuk-table__cell--numeric">(.*?)</td>\s*<td class="govuk-table__cell '
            r'govuk-table__cell--numeric">(.*?)</td>',
            html,
            flags=re.S,
        ):
            if "[c]" in number:
                assert "[c]" in rate, path


def test_finance_page_summarises_the_latest_year_by_service(built):
    _, root, _, _ = built
    html = (root / "bromsgrove" / "finance" / "index.html").read_text()
    body = html.split('<table class="govuk-table">', 1)[1].split("</table>", 1)[0]
    services = body.count('<tr class="govuk-table__row">') - 1  # less the heading row
    assert 1 <= services <= 20
    # Month by month is a download, not the page.
    assert "October 2025" not in html
    assert "2025/26" in html and "<svg" in html and 'role="img"' in html
    assert "cost-of-service.csv" in html
    assert "_" not in visible_text(body)


def test_postcode_sectors_reach_the_wards_they_span():
    from orchestration.lib import environment

    councils = environment.councils()
    wards = [
        {"council_code": "E07000234", "ward_code": "E05009823", "ward_name": "Alvechurch South"},
        {"council_code": "E07000234", "ward_code": "E05009824", "ward_name": "Alvechurch Village"},
    ]
    sectors = build.postcode_sectors(wards, councils)
    # B48 7 (Alvechurch) reaches both Alvechurch wards by the ONS best-fit lookups.
    assert sectors["B48 7"] == [
        ["bromsgrove", "E05009823", "Alvechurch South"],
        ["bromsgrove", "E05009824", "Alvechurch Village"],
    ]
    assert all(len(w) == 3 for ws in sectors.values() for w in ws)


def test_every_page_passes_the_nu_html_checker(built):
    import subprocess

    from tests.support.officer_pages import vnu_command

    _, root, _, _ = built
    result = subprocess.run(
        [*vnu_command(), "--errors-only", "--format", "json", "--skip-non-html", str(root)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{m.get('url', '').rsplit(str(root), 1)[-1]}: {m.get('message')} ({m.get('extract')!r})"
        for m in messages
        if m.get("type") == "error"
    ]
    assert errors == []
