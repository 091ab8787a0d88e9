"""Read a landing file as text: decoded (UTF-8 or Windows-1252, no control characters), parsed as
CSV or as the one sheet of a workbook, every cell a string, and its header checked.

A file that cannot be read so is refused whole (FileRejected), with the line and character of
each problem where there is one.
"""

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from orchestration.lib.contracts import Contract
from orchestration.lib.ingest.validation import MAX_FIELD_CHARS, Problem, check_header


class FileRejected(Exception):
    """The file broke its contract; nothing was loaded."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems[0].as_line() if problems else "rejected")
        self.problems = problems


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Control characters other than tab, line feed and carriage return (NUL among them): no
# system of record means to send them, and PostgreSQL refuses NUL in text.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Every byte but those control characters (the same single bytes in UTF-8 and Windows-1252):
# deleting them leaves nothing from a clean file, ten times quicker than searching the text.
NOT_CONTROL = bytes(b for b in range(256) if not CONTROL.match(chr(b)))
SAVE_AS_UTF8 = "save it as 'CSV UTF-8 (comma delimited)' and send it again"


def _where(data: bytes | str, offset: int) -> tuple[int, int]:
    """Line and character (both from 1) of an offset into the file."""
    before = data[:offset]
    newline = b"\n" if isinstance(data, bytes) else "\n"
    line_start = before.rfind(newline) + 1
    return before.count(newline) + 1, offset - line_start + 1


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without a BOM), else Windows-1252 (which covers Latin-1 text) if it
    decodes cleanly; anything else is refused with the line and character of the problem."""
    if data.startswith(UTF16_BOMS) or (b"\x00" in data[:4096] and data[1:2] == b"\x00"):
        raise FileRejected(
            [
                Problem(
                    None, None, None, f"the file is saved as UTF-16 (Unicode) text; {SAVE_AS_UTF8}"
                )
            ]
        )
    try:
        text = data.decode("utf-8-sig")
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("cp1252"), "windows-1252"
        except UnicodeDecodeError as error:
            line, char = _where(data, error.start)
            raise FileRejected(
                [
                    Problem(
                        line,
                        None,
                        None,
                        f"character {char}: byte 0x{data[error.start]:02X} is neither UTF-8 nor "
                        f"Windows-1252 (Latin-1) text; {SAVE_AS_UTF8}",
                    )
                ]
            ) from error
    if data.translate(None, NOT_CONTROL):
        problems = []
        for match in CONTROL.finditer(text):
            line, char = _where(text, match.start())
            name = (
                "a NUL byte"
                if match.group() == "\x00"
                else f"control character U+{ord(match.group()):04X}"
            )
            problems.append(
                Problem(
                    line,
                    None,
                    None,
                    f"character {char} is {name}; remove it and send the file again",
                )
            )
            if len(problems) == 50:
                break
        raise FileRejected(problems)
    return text, encoding


def field_count_problems(text: str) -> list[Problem]:
    """Lines whose number of fields differs from the header's (the last one: truncated?)."""
    csv.field_size_limit(MAX_FIELD_CHARS * 100)
    try:
        counts = [len(row) for row in csv.reader(io.StringIO(text))]
    except csv.Error as error:
        return [Problem(None, None, None, f"the file is not valid CSV: {error}")]
    header_width = counts[0]
    bad = [
        Problem(
            line,
            None,
            None,
            f"has {width} fields where the header has {header_width}"
            + (" (the last line looks truncated)" if line == len(counts) else ""),
        )
        for line, width in enumerate(counts, start=1)
        if width != header_width and width != 0
    ]
    return bad[:50]


def read_csv_text(text: str, check_fields: bool = True) -> tuple[list[str], pd.DataFrame]:
    """The CSV's header and rows as text. With check_fields=False the caller checks the field
    counts itself (field_count_problems) before trusting the rows: a short line reads as
    missing values."""
    if not text.strip():
        raise FileRejected([Problem(None, None, None, "the file is empty")])
    if check_fields and (bad := field_count_problems(text)):
        raise FileRejected(bad)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
        )
    except (pd.errors.ParserError, csv.Error) as error:
        # pandas stops at the first line with too many fields; name every bad line.
        bad = field_count_problems(text) or [
            Problem(None, None, None, f"the file is not valid CSV: {error}")
        ]
        raise FileRejected(bad) from error
    header = [str(name).strip() for name in frame.columns]
    frame.columns = header
    return header, frame


def read_xlsx(path: Path | BinaryIO, source: str) -> tuple[list[str], pd.DataFrame]:
    """The workbook's one sheet (or the sheet named after the source) as text."""
    try:
        return _read_xlsx(path, source)
    except FileRejected:
        raise
    except Exception as error:  # a damaged workbook fails in zipfile, XML or openpyxl code
        raise FileRejected(
            [
                Problem(
                    None,
                    None,
                    None,
                    "the workbook cannot be opened: it is damaged or not really an Excel "
                    f"(.xlsx) file ({type(error).__name__})",
                )
            ]
        ) from error


def _read_xlsx(path: Path | BinaryIO, source: str) -> tuple[list[str], pd.DataFrame]:
    if not isinstance(path, Path) and hasattr(path, "fs"):
        # An object: opened seekable, so the workbook's parts are fetched as they are read.
        with path.open("rb") as handle:
            return _read_xlsx(handle, source)
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    names = book.sheetnames
    book.close()
    if hasattr(path, "seek"):
        path.seek(0)
    if len(names) > 1 and source not in names:
        raise FileRejected(
            [
                Problem(
                    None,
                    None,
                    None,
                    (
                        f"the workbook has {len(names)} sheets ({', '.join(names)}); "
                        "keep one sheet, "
                        f"or name the sheet to load '{source}'"
                    ),
                )
            ]
        )
    sheet = source if source in names else names[0]
    frame = pd.read_excel(
        path, sheet_name=sheet, dtype=str, keep_default_na=False, engine="openpyxl"
    )
    frame = frame.fillna("")
    header = [str(name).strip() for name in frame.columns]
    frame.columns = header
    return header, frame


@dataclass
class Parsed:
    frame: pd.DataFrame  # every cell as text, columns in contract order
    encoding: str
    header: list[str]  # the file's own column order
    text: str | None  # the decoded CSV, streamed as it is into COPY (None for XLSX)


def parse_file(
    path: Path, contract: Contract, check_fields: bool = True, data: bytes | None = None
) -> Parsed:
    """The file's rows as text; `data` is its content when the caller has read it already."""
    text = None
    if path.suffix.lower() == ".xlsx":
        # An object already read (and checksummed) is parsed from memory, not fetched again.
        workbook = io.BytesIO(data) if data is not None and hasattr(path, "fs") else path
        header, frame = read_xlsx(workbook, contract.source)
        encoding = "xlsx"
    else:
        text, encoding = decode(path.read_bytes() if data is None else data)
        header, frame = read_csv_text(text, check_fields)
    problems = check_header(header, contract)
    if problems:
        raise FileRejected(problems)
    # A column the file may leave out (check_header) is read as empty: NULL once loaded.
    absent = {name: "" for name in contract.column_names if name not in frame.columns}
    return Parsed(frame.assign(**absent)[contract.column_names], encoding, header, text)


def read_file(path: Path, contract: Contract) -> tuple[pd.DataFrame, str]:
    """The file's rows as text, columns in contract order, and the encoding it came in."""
    parsed = parse_file(path, contract)
    return parsed.frame, parsed.encoding
