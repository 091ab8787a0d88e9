"""stream-write-ods gets content.xml in 64 kB pieces only in the version the patch was written
for; with another it keeps its own encoding (the bytes are the same either way:
test_downloads.py)."""

import codecs

import pytest
import stream_write_ods as ods_library

from orchestration.lib.library_patches import PatchSkippedWarning
from orchestration.lib.publishing import downloads

pytestmark = pytest.mark.unit


def test_the_pinned_stream_write_ods_encodes_in_pieces():
    assert downloads.piece_content_xml()
    assert ods_library.iterencode is downloads._encoded_in_pieces
    pieces = list(ods_library.iterencode(["x" * 1000] * 200, "utf-8"))
    assert [len(piece) for piece in pieces] == [66000, 66000, 66000, 2000]


def test_another_stream_write_ods_keeps_its_own_encoding(tmp_path, monkeypatch):
    monkeypatch.setattr(ods_library, "iterencode", codecs.iterencode)  # as the library has it
    with pytest.warns(PatchSkippedWarning, match="stream-write-ods 0.0.26 is installed"):
        assert not downloads.piece_content_xml({"stream-write-ods": "0.0.26"})
    assert ods_library.iterencode is codecs.iterencode
    downloads.write_ods(tmp_path / "d.ods", "Data", ["a"], [[1], ["x"]], [("Licence", "OGL")])
    assert (tmp_path / "d.ods").read_bytes().startswith(b"PK")
