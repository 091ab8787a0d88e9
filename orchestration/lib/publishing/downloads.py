"""Open-data files: CSV (safe in spreadsheets), JSON and ODS, each byte-reproducible."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
from collections.abc import Mapping
from pathlib import Path

import stream_write_ods as ods_library

from orchestration.lib import csvsafe
from orchestration.lib.library_patches import Patch

# ODS files carry a modification time in their zip entries: fix it so builds are reproducible.
FIXED_MODIFIED_AT = dt.datetime(2000, 1, 1, 0, 0, 0)
ODS_PIECE = 1 << 16


def _encoded_in_pieces(fragments, encoding: str):
    """content.xml in 64 kB pieces. stream-write-ods (0.0.25) hands the zip writer each XML
    fragment as it makes it, several per cell, and the zip writer's per-piece work was most of
    an ODS file's time; the bytes are the same."""
    pieces, size = [], 0
    for fragment in fragments:
        pieces.append(fragment)
        size += len(fragment)
        if size >= ODS_PIECE:
            yield "".join(pieces).encode(encoding)
            pieces, size = [], 0
    if pieces:
        yield "".join(pieces).encode(encoding)


# What: stream_write_ods encodes content.xml with the `iterencode` it imported from codecs, a
# private module global; rebinding it is the one change. Why: above. Versions: stream-write-ods
# 0.0.25, the pin; with any other (or without that global) its own codecs.iterencode is kept.
PIECED_CONTENT_XML = Patch(
    "stream-write-ods to encode content.xml in 64 kB pieces",
    written_for=("stream-write-ods==0.0.25",),
    needs=("stream_write_ods:iterencode",),
)


def piece_content_xml(installed: Mapping[str, str] | None = None) -> bool:
    """Rebind stream_write_ods' iterencode where PIECED_CONTENT_XML applies; whether it did.
    `installed`: versions to judge the patch by instead of the installed ones (tests)."""
    if not PIECED_CONTENT_XML.applies(installed):
        return False
    ods_library.iterencode = _encoded_in_pieces
    return True


piece_content_xml()


def plain(value):
    """A JSON/CSV-friendly value: Decimals become int or float, dates ISO strings."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def csv_cell(value) -> str:
    """Numbers as they are; text guarded against running as a formula (csvsafe.guard)."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    return csvsafe.guard(str(value))


def write_csv(path: Path, columns: list[str], rows: list[list]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _json_value(value):
    converted = plain(value)
    if converted is value:
        raise TypeError(f"{type(value).__name__} is not JSON serializable")
    return converted


def write_json(path: Path, metadata: dict, columns: list[str], rows: list[list]) -> None:
    """One compact document: without `indent`, json's C encoder writes it (the Python one took
    about a second for the demo's values), calling `plain` only for Decimals and dates."""
    document = {
        **metadata,
        "columns": columns,
        "data": [dict(zip(columns, row, strict=True)) for row in rows],
    }
    path.write_text(
        json.dumps(document, ensure_ascii=False, default=_json_value) + "\n", encoding="utf-8"
    )


def write_spreadsheets(stem: Path, sheet: str, columns: list[str], rows: list[list], notes: list):
    """The CSV and ODS files of one dataset (`stem`.csv, `stem`.ods): run in a worker process."""
    write_csv(stem.with_suffix(".csv"), columns, rows)
    write_ods(stem.with_suffix(".ods"), sheet, columns, rows, notes)


def write_ods(path: Path, sheet: str, columns: list[str], rows: list[list], notes: list) -> None:
    """One data sheet plus a notes sheet (title, licence, source, markers)."""

    def cells(row):
        out = []
        for value in row:
            value = plain(value)
            out.append(
                value if isinstance(value, int | float | str | bool | type(None)) else str(value)
            )
        return out

    sheets = [
        ("Notes", ["Item", "Detail"], ([str(k), str(v)] for k, v in notes)),
        (sheet[:31], columns, (cells(row) for row in rows)),
    ]
    with path.open("wb") as handle:
        chunks = ods_library.stream_write_ods(sheets, get_modified_at=lambda: FIXED_MODIFIED_AT)
        for chunk in chunks:
            handle.write(chunk)
