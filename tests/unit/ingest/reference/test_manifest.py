"""The snapshot's manifest.yml describes exactly the files in data/reference/, and tells apart
a changed or unlisted file."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from orchestration.lib.ingest.reference import PARSERS, ReferenceFormatError, manifest, recycling

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[4]
SNAPSHOT = REPO_ROOT / "data" / "reference"
OGL = "Open Government Licence v3.0"


@pytest.fixture(scope="module")
def entries() -> dict[str, manifest.Entry]:
    return manifest.load(SNAPSHOT)


@pytest.fixture
def copy(tmp_path) -> Path:
    folder = tmp_path / "reference"
    shutil.copytree(SNAPSHOT, folder)
    return folder


def test_the_snapshot_matches_its_manifest():
    assert manifest.problems(SNAPSHOT) == []


def test_every_file_a_parser_reads_is_listed_under_its_table(entries):
    for table, parser in PARSERS.items():
        for relative_path in parser.files:
            assert relative_path in entries, f"{relative_path} ({table}) is not in manifest.yml"
            assert entries[relative_path].loader == table


def test_every_listed_file_is_read_by_the_parser_its_loader_names(entries):
    assert entries
    for relative_path, entry in entries.items():
        assert entry.loader in PARSERS, f"{relative_path}: unknown loader {entry.loader!r}"
        assert relative_path in PARSERS[entry.loader].files


def test_every_entry_carries_its_provenance(entries):
    for relative_path, entry in entries.items():
        assert entry.official_url.startswith("https://"), relative_path
        assert entry.download_url is None or entry.download_url.startswith("https://")
        assert entry.licence == OGL, relative_path
        assert entry.carrier.startswith("https://github.com/"), relative_path
        assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256), relative_path
        assert entry.rows > 0, relative_path
        assert entry.publisher and entry.title and entry.edition and entry.attribution


def test_changing_one_byte_is_reported_and_refused(copy, entries):
    path = copy / recycling.RATE_FILE
    data = bytearray(path.read_bytes())
    position = data.index(b"44.3")  # Bromsgrove 2015/16
    data[position + 3] = ord("4")  # 44.3 -> 44.4: one byte
    path.write_bytes(bytes(data))

    found = manifest.problems(copy)
    assert len(found) == 1
    assert recycling.RATE_FILE in found[0] and "sha256" in found[0]
    with pytest.raises(ReferenceFormatError, match="differs"):
        manifest.require_listed(copy, [recycling.RATE_FILE])
    # The loader's other file still passes.
    manifest.require_listed(copy, [recycling.TONNAGES_FILE])


def test_an_unlisted_file_is_reported_and_refused(copy):
    (copy / "performance" / "extra.csv").write_text("area_code,value\nE07000234,1\n")

    assert manifest.problems(copy) == [
        "performance/extra.csv is in the folder but not listed in manifest.yml."
    ]
    with pytest.raises(ReferenceFormatError, match="not listed"):
        manifest.require_listed(copy, ["performance/extra.csv"])


def test_a_missing_file_is_reported(copy):
    (copy / recycling.TONNAGES_FILE).unlink()

    assert manifest.problems(copy) == [
        f"{recycling.TONNAGES_FILE} is listed in manifest.yml but missing."
    ]
    with pytest.raises(ReferenceFormatError, match="missing"):
        manifest.require_listed(copy, [recycling.TONNAGES_FILE])
