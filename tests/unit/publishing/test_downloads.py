"""Open-data writers: CSV safe from formula injection, byte-reproducible ODS and JSON."""

import decimal
import zipfile

import pytest

from orchestration.lib.publishing import downloads

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text", ["=SUM(A1)", "+44 1527", "-cmd", "@x", "\tx", "\rx"])
def test_text_that_looks_like_a_formula_is_quoted(text):
    assert downloads.csv_cell(text) == "'" + text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-3, "-3"),
        (decimal.Decimal("-2.50"), "-2.5"),
        ("-12.5", "-12.5"),
        ("[c]", "[c]"),
        (None, ""),
    ],
)
def test_numbers_and_markers_are_left_alone(value, expected):
    assert downloads.csv_cell(value) == expected


def test_ods_is_byte_reproducible_and_readable(tmp_path):
    rows = [["a", 1, decimal.Decimal("2.5"), None], ["=b", 2, 3.0, "[c]"]]
    first, second = tmp_path / "one.ods", tmp_path / "two.ods"
    downloads.write_ods(first, "Data", ["k", "n", "x", "v"], rows, [("Licence", "OGL")])
    downloads.write_ods(second, "Data", ["k", "n", "x", "v"], rows, [("Licence", "OGL")])
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        content = archive.read("content.xml").decode()
        assert archive.namelist()[0] == "mimetype"
    assert "[c]" in content and "OGL" in content and 'office:value="2.5"' in content


def test_csv_and_json_round_trip(tmp_path):
    import csv
    import json

    downloads.write_csv(tmp_path / "d.csv", ["a", "b"], [["=1+1", 3]])
    with (tmp_path / "d.csv").open(newline="") as handle:
        assert list(csv.reader(handle)) == [["a", "b"], ["'=1+1", "3"]]
    downloads.write_json(tmp_path / "d.json", {"licence": "OGL"}, ["a"], [[decimal.Decimal("4")]])
    document = json.loads((tmp_path / "d.json").read_text())
    assert document["data"] == [{"a": 4}] and document["licence"] == "OGL"


def test_ods_written_in_pieces_has_the_librarys_own_bytes(tmp_path, monkeypatch):
    """The ODS files' content is handed to the zip writer in 64 kB pieces, not fragment by
    fragment: the same bytes as the library's own encoding, across several pieces."""
    import codecs
    import inspect

    import stream_write_ods as ods_library

    assert "iterencode(content_xml()" in inspect.getsource(ods_library)  # what is replaced
    assert ods_library.iterencode is downloads._encoded_in_pieces
    rows = [[f"row {n}", n, n / 7, None, "[c]"] for n in range(5000)]  # about 1 MB of XML
    columns = ["k", "n", "x", "v", "m"]
    pieced, unpieced = tmp_path / "pieced.ods", tmp_path / "unpieced.ods"
    downloads.write_ods(pieced, "Data", columns, rows, [("Licence", "OGL")])
    monkeypatch.setattr(ods_library, "iterencode", codecs.iterencode)
    downloads.write_ods(unpieced, "Data", columns, rows, [("Licence", "OGL")])
    assert pieced.read_bytes() == unpieced.read_bytes()
