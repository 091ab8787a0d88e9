"""`bdc reference update` against a real local HTTP server holding a mirror of the extracts.

Each test works on a copy of data/reference/ and serves files from a folder of its own over
http://127.0.0.1 (no internet): a newer file is taken and recorded in the manifest; a file the
loader cannot read, a web page, a spreadsheet or an unreachable address leaves the copy and its
manifest byte for byte as they were.
"""

from __future__ import annotations

import csv
import io
import shutil
import socket
import threading
from datetime import date
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from orchestration.lib import checksums, environment
from orchestration.lib.ingest.reference import (
    PARSERS,
    flytipping,
    homelessness,
    manifest,
    recycling,
)
from orchestration.lib.ingest.reference import update as updating

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[4]
SNAPSHOT = REPO_ROOT / "data" / "reference"
TODAY = date(2027, 1, 15)
RATE = recycling.RATE_FILE
TONNAGES = recycling.TONNAGES_FILE
NEW_ROW = "E07000234,Bromsgrove,2024/25,Waste Reused/Recycled/Composted,Proportion,Percent,43.1\n"


@pytest.fixture(autouse=True)
def _no_proxy_or_mirror(monkeypatch):
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)
    monkeypatch.delenv(environment.REFERENCE_MIRROR_VAR, raising=False)


@pytest.fixture
def snapshot(tmp_path) -> Path:
    folder = tmp_path / "reference"
    shutil.copytree(SNAPSHOT, folder)
    return folder


class Mirror:
    """A folder served over HTTP on 127.0.0.1, with fixed answers for some paths."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.requested: list[str] = []
        self.url = ""

    def put(self, relative_path: str, data: bytes) -> None:
        path = self.folder / relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def put_snapshot(self, *relative_paths: str) -> None:
        for relative_path in relative_paths:
            self.put(relative_path, (SNAPSHOT / relative_path).read_bytes())


@pytest.fixture
def mirror(tmp_path):
    served = Mirror(tmp_path / "mirror")
    served.folder.mkdir()

    class Handler(SimpleHTTPRequestHandler):
        def do_GET(self):
            served.requested.append(self.path)
            route = served.routes.get(self.path)
            if route is None:
                return super().do_GET()
            status, headers, body = route
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(served.folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    served.url = f"http://127.0.0.1:{server.server_address[1]}/"
    yield served
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def contents(folder: Path) -> dict[str, bytes]:
    """Every file under folder, by relative path (to show that nothing changed)."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def by_path(outcomes: list[updating.Outcome]) -> dict[str, updating.Outcome]:
    return {outcome.path: outcome for outcome in outcomes}


def rate_with_new_row() -> bytes:
    return (SNAPSHOT / RATE).read_bytes() + NEW_ROW.encode()


def without_column(data: bytes, column: str) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    index = rows[0].index(column)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        [value for position, value in enumerate(row) if position != index] for row in rows
    )
    return out.getvalue().encode()


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_newer_file_the_loader_reads_replaces_the_old_one(snapshot, mirror):
    new = rate_with_new_row()
    mirror.put(RATE, new)
    mirror.put_snapshot(TONNAGES)
    manifest_before = (snapshot / manifest.MANIFEST_NAME).read_text().splitlines()

    outcomes = by_path(
        updating.update(snapshot, source="stats_recycling", base_url=mirror.url, today=TODAY)
    )

    assert outcomes[RATE].status == updating.UPDATED
    assert outcomes[RATE].rows == 55
    assert outcomes[TONNAGES].status == updating.UNCHANGED
    assert (snapshot / RATE).read_bytes() == new
    entry = manifest.load(snapshot)[RATE]
    assert entry.sha256 == checksums.sha256_file(snapshot / RATE) == outcomes[RATE].sha256
    assert entry.rows == 55
    assert entry.retrieved == "2027-01-15"
    assert manifest.problems(snapshot) == []
    # Only the three lines of that one entry changed; comments and other entries are kept.
    manifest_after = (snapshot / manifest.MANIFEST_NAME).read_text().splitlines()
    changed = [old for old, now in zip(manifest_before, manifest_after, strict=True) if old != now]
    assert [line.split(":")[0].strip() for line in changed] == ["retrieved", "sha256", "rows"]
    # The loader gives the new year.
    frame = PARSERS["stats_recycling"].parse(snapshot)
    new_year = frame[
        (frame["area_code"] == "E07000234")
        & (frame["series"] == recycling.RATE_SERIES)
        & (frame["period_start"] == pd.Timestamp("2024-04-01"))
    ]
    assert new_year["value"].tolist() == [43.1]
    manifest.require_listed(snapshot, PARSERS["stats_recycling"].files)


def test_a_file_missing_a_column_is_refused_and_nothing_changes(snapshot, mirror):
    mirror.put(RATE, without_column(rate_with_new_row(), "value"))
    before = contents(snapshot)

    [outcome] = [
        outcome
        for outcome in updating.update(snapshot, source="stats_recycling", base_url=mirror.url)
        if outcome.path == RATE
    ]

    assert outcome.status == updating.REFUSED
    assert "'value'" in outcome.reason
    assert "stats_recycling" in outcome.reason
    assert contents(snapshot) == before
    assert "the current file is kept" in outcome.line()


def test_a_web_page_is_refused(snapshot, mirror):
    mirror.put(RATE, b"<!DOCTYPE html>\n<html><body>Page not found</body></html>\n")
    before = contents(snapshot)

    outcome = by_path(updating.update(snapshot, source="stats_recycling", base_url=mirror.url))[
        RATE
    ]

    assert outcome.status == updating.REFUSED
    assert "web page" in outcome.reason
    assert contents(snapshot) == before


def test_a_page_served_as_html_is_refused_whatever_it_starts_with(snapshot, mirror):
    # A sign-in portal answering every address: its body does not start with <!DOCTYPE.
    mirror.routes[f"/{RATE}"] = (200, {"Content-Type": "text/html; charset=utf-8"}, b"Sign in")
    before = contents(snapshot)

    outcome = by_path(updating.update(snapshot, source="stats_recycling", base_url=mirror.url))[
        RATE
    ]

    assert outcome.status == updating.REFUSED
    assert "text/html" in outcome.reason
    assert contents(snapshot) == before


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(64), "zip archive"),
        (b"area_code,value\nE07000234,\xff\xfe\n", "not UTF-8"),
    ],
)
def test_a_spreadsheet_or_binary_file_is_refused(snapshot, mirror, data, words):
    mirror.put(RATE, data)
    before = contents(snapshot)

    outcome = by_path(updating.update(snapshot, source="stats_recycling", base_url=mirror.url))[
        RATE
    ]

    assert outcome.status == updating.REFUSED
    assert words in outcome.reason
    assert contents(snapshot) == before


def test_the_same_file_is_unchanged(snapshot, mirror):
    mirror.put_snapshot(RATE, TONNAGES)
    before = contents(snapshot)

    outcomes = updating.update(snapshot, source="stats_recycling", base_url=mirror.url, today=TODAY)

    assert [outcome.status for outcome in outcomes] == [updating.UNCHANGED] * 2
    assert contents(snapshot) == before  # the retrieved date is not touched either


def test_a_damaged_local_file_is_restored_from_the_mirror(snapshot, mirror):
    mirror.put_snapshot(RATE, TONNAGES)
    (snapshot / RATE).write_bytes(rate_with_new_row())

    outcome = by_path(updating.update(snapshot, source="stats_recycling", base_url=mirror.url))[
        RATE
    ]

    assert outcome.status == updating.UPDATED
    assert (snapshot / RATE).read_bytes() == (SNAPSHOT / RATE).read_bytes()
    assert manifest.problems(snapshot) == []


def test_an_unreachable_address_changes_nothing(snapshot):
    before = contents(snapshot)

    outcomes = updating.update(snapshot, base_url=f"http://127.0.0.1:{closed_port()}/", timeout=5)

    assert len(outcomes) == len(manifest.load(snapshot))
    assert {outcome.status for outcome in outcomes} == {updating.OFFLINE}
    assert "could not be reached" in outcomes[0].reason
    assert "nothing changed" in outcomes[0].line()
    assert updating.offline(outcomes)
    assert contents(snapshot) == before


def test_a_file_the_mirror_lacks_is_unavailable(snapshot, mirror):
    mirror.put_snapshot(TONNAGES)
    before = contents(snapshot)

    outcomes = by_path(updating.update(snapshot, source="stats_recycling", base_url=mirror.url))

    assert outcomes[RATE].status == updating.UNAVAILABLE
    assert "404" in outcomes[RATE].reason
    assert outcomes[TONNAGES].status == updating.UNCHANGED
    assert not updating.offline(list(outcomes.values()))
    assert contents(snapshot) == before


def test_source_only_touches_that_loaders_files(snapshot, mirror):
    mirror.put_snapshot(*manifest.load(snapshot))
    mirror.put(RATE, rate_with_new_row())
    # A changed file of another loader on the mirror must not be fetched or taken.
    mirror.put(flytipping.FILES[0], (SNAPSHOT / flytipping.FILES[0]).read_bytes() + b"\n")
    before = contents(snapshot)

    outcomes = updating.update(snapshot, source="stats_recycling", base_url=mirror.url)

    assert sorted(outcome.path for outcome in outcomes) == sorted(recycling.FILES)
    assert sorted(mirror.requested) == sorted(f"/{path}" for path in recycling.FILES)
    after = contents(snapshot)
    changed = sorted(path for path in before if before[path] != after[path])
    assert changed == [manifest.MANIFEST_NAME, RATE]
    assert (
        manifest.load(snapshot)[flytipping.FILES[0]] == manifest.load(SNAPSHOT)[flytipping.FILES[0]]
    )


def test_an_unknown_source_is_an_error_naming_the_known_ones(snapshot):
    with pytest.raises(updating.UpdateError, match="stats_recycling") as raised:
        updating.update(snapshot, source="stats_nonsense", base_url="http://127.0.0.1:9/")
    assert "stats_nonsense" in str(raised.value)
    assert "ref_population" in str(raised.value)


def test_only_http_and_https_are_followed(snapshot, mirror):
    with pytest.raises(updating.UpdateError, match="http or https"):
        updating.update(snapshot, base_url=f"file://{SNAPSHOT}")

    # A download_url that is not http(s) is refused for that file.
    # (The loader's other file gets a local address, so that nothing leaves this machine.)
    mirror.put_snapshot(TONNAGES)
    entries = manifest.load(snapshot)
    text = (snapshot / manifest.MANIFEST_NAME).read_text()
    text = text.replace(entries[RATE].download_url, f"file://{mirror.folder}/x.csv")
    text = text.replace(entries[TONNAGES].download_url, f"{mirror.url}{TONNAGES}")
    (snapshot / manifest.MANIFEST_NAME).write_text(text)
    before = contents(snapshot)
    outcome = by_path(updating.update(snapshot, source="stats_recycling"))[RATE]
    assert outcome.status == updating.REFUSED
    assert "not an http or https address" in outcome.reason
    assert contents(snapshot) == before

    # So is a redirect from the mirror to a file: address.
    mirror.routes[f"/{RATE}"] = (302, {"Location": f"file://{SNAPSHOT / RATE}"}, b"")
    outcome = by_path(updating.update(snapshot, source="stats_recycling", base_url=mirror.url))[
        RATE
    ]
    assert outcome.status == updating.REFUSED
    assert "redirected" in outcome.reason
    assert contents(snapshot) == before


def test_a_file_without_an_address_says_where_the_publisher_is(snapshot):
    outcomes = updating.update(snapshot, source="stats_homelessness")

    assert [outcome.status for outcome in outcomes] == [updating.NO_ADDRESS]
    entry = manifest.load(snapshot)[homelessness.FILE]
    assert entry.official_url in outcomes[0].reason
    assert "--from" in outcomes[0].reason
    assert not outcomes[0].failed
    assert not updating.offline(outcomes)


def test_the_mirror_can_come_from_the_environment(snapshot, mirror, monkeypatch):
    mirror.put(RATE, rate_with_new_row())
    mirror.put_snapshot(TONNAGES)
    monkeypatch.setenv(environment.REFERENCE_MIRROR_VAR, mirror.url)

    outcomes = by_path(updating.update(snapshot, source="stats_recycling"))

    assert outcomes[RATE].status == updating.UPDATED
    assert mirror.requested


# The command line.


def run_cli(snapshot: Path, *args: str):
    from orchestration.cli import main

    return CliRunner().invoke(
        main, ["reference", "update", *args], env={"BDC_REFERENCE_DIR": str(snapshot)}
    )


def test_the_command_updates_and_prints_one_line_per_file(snapshot, mirror):
    mirror.put(RATE, rate_with_new_row())
    mirror.put_snapshot(TONNAGES)

    result = run_cli(snapshot, "--source", "stats_recycling", "--from", mirror.url)

    assert result.exit_code == 0, result.output
    digest = checksums.sha256_file(snapshot / RATE)
    lines = result.output.splitlines()
    assert lines[:2] == [f"updated {RATE} (sha256 {digest[:8]}…, 55 rows)", f"unchanged {TONNAGES}"]
    assert manifest.load(snapshot)[RATE].sha256 == digest
    assert manifest.problems(snapshot) == []


def test_the_command_exits_1_when_a_file_is_refused(snapshot, mirror):
    mirror.put(RATE, without_column((SNAPSHOT / RATE).read_bytes(), "value"))
    mirror.put_snapshot(TONNAGES)
    before = contents(snapshot)

    result = run_cli(snapshot, "--source", "stats_recycling", "--from", mirror.url)

    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"refused {RATE}: the stats_recycling loader cannot read it")
    assert "'value'" in lines[0] and lines[0].endswith("the current file is kept")
    assert lines[1] == f"unchanged {TONNAGES}"
    assert contents(snapshot) == before


def test_the_command_says_once_that_it_is_offline(snapshot):
    before = contents(snapshot)

    result = run_cli(snapshot, "--from", f"http://127.0.0.1:{closed_port()}")

    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Offline: could not reach the sources of any of the {len(manifest.load(snapshot))} "
        "files; "
        "nothing was changed."
    ]
    assert contents(snapshot) == before


def test_the_command_names_the_known_sources(snapshot):
    result = run_cli(snapshot, "--source", "stats_nonsense", "--from", "http://127.0.0.1:9/")

    assert result.exit_code == 2
    assert "Invalid value for --source" in result.output
    assert "stats_nonsense" in result.output and "stats_recycling" in result.output


def test_the_command_refuses_a_mirror_that_is_not_http(snapshot):
    before = contents(snapshot)

    result = run_cli(snapshot, "--from", f"file://{SNAPSHOT}")

    assert result.exit_code == 2
    assert "Invalid value for --from" in result.output and "http or https" in result.output
    assert contents(snapshot) == before
