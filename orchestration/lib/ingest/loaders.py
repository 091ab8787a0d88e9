"""Load one landing file into raw.<source>: validate, then COPY in one transaction, audited.

Nothing is ever partly loaded: a rejected file is moved whole to the quarantine with a report,
a valid one is loaded in a single transaction together with its audit row, a corrected file for
the same period replaces the earlier batch in that same transaction, and the same file twice is
a no-op.
"""

import csv
import hashlib
import io
import os
import re
import shutil
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import psycopg
from psycopg import sql

from orchestration.lib import contracts, csvsafe, environment
from orchestration.lib.contracts import Contract
from orchestration.lib.ingest import screening
from orchestration.lib.ingest.validation import (
    MAX_FIELD_CHARS,
    Problem,
    check_header,
    check_rows,
    has_blank_line,
    period_of,
)

LANDING_SUFFIXES = {".csv", ".xlsx"}


class FileRejected(Exception):
    """The file broke its contract; nothing was loaded."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems[0].as_line() if problems else "rejected")
        self.problems = problems


@dataclass
class LoadResult:
    source: str
    file: Path
    outcome: str  # loaded | rejected | duplicate | superseded | withdrawn | arriving
    batch_id: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    encoding: str = "utf-8"
    replaced_batches: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    report_path: Path | None = None

    def summary(self) -> str:
        if self.outcome == "loaded":
            extra = (
                f", replacing {len(self.replaced_batches)} earlier batch"
                if (self.replaced_batches)
                else ""
            )
            return (
                f"{self.file.name}: loaded {self.rows_loaded:,} rows into raw.{self.source}{extra}"
            )
        if self.outcome == "duplicate":
            return f"{self.file.name}: already loaded (same checksum); nothing to do"
        if self.outcome in ("superseded", "withdrawn"):
            return (
                f"{self.file.name}: this content was loaded before and has since been "
                f"{self.outcome}; it is not loaded again"
            )
        if self.outcome == "arriving":
            return f"{self.file.name}: still being written; it will be loaded once complete"
        first = self.problems[0].as_line() if self.problems else ""
        more = f" and {len(self.problems) - 1} more problems" if len(self.problems) > 1 else ""
        return (
            f"{self.file.name}: rejected, nothing loaded: {first}{more}. Report: {self.report_path}"
        )


# Names a sender gives a file while it is still being written (then renamed into place).
TEMPORARY_NAME = re.compile(r"^(?:\.|~\$)|\.(?:part|partial|tmp|crdownload|filepart)$", re.I)
# Outcomes after which the same content is never loaded again by a run.
SETTLED_OUTCOMES = ("loaded", "superseded", "withdrawn", "rejected")


@dataclass(frozen=True)
class Refused:
    """A landing entry refused without reading it: a link, or a path leading elsewhere."""

    path: Path
    reason: str


@dataclass
class LandingScan:
    """What a run finds in one source's landing folder."""

    to_load: list[Path] = field(default_factory=list)  # complete, never seen, oldest first
    already: int = 0  # content loaded, superseded, withdrawn or refused before
    refused: list[Refused] = field(default_factory=list)
    arriving: list[Path] = field(default_factory=list)  # still being written: next time


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_for(path: Path) -> str:
    """A landing file's source is the name of its folder: landing/<source>/<file>."""
    return path.resolve().parent.name


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


def read_xlsx(path: Path, source: str) -> tuple[list[str], pd.DataFrame]:
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


def _read_xlsx(path: Path, source: str) -> tuple[list[str], pd.DataFrame]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    names = book.sheetnames
    book.close()
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
        header, frame = read_xlsx(path, contract.source)
        encoding = "xlsx"
    else:
        text, encoding = decode(path.read_bytes() if data is None else data)
        header, frame = read_csv_text(text, check_fields)
    problems = check_header(header, contract)
    if problems:
        raise FileRejected(problems)
    return Parsed(frame[contract.column_names], encoding, header, text)


def read_file(path: Path, contract: Contract) -> tuple[pd.DataFrame, str]:
    """The file's rows as text, columns in contract order, and the encoding it came in."""
    parsed = parse_file(path, contract)
    return parsed.frame, parsed.encoding


def ensure_raw_table(conn: psycopg.Connection, contract: Contract) -> None:
    if _raw_table_ready(conn, contract):
        return  # one catalogue query instead of three DDL statements, for every file
    columns = [
        sql.SQL("{} {}").format(sql.Identifier(column.name), sql.SQL(column.sql_type))
        for column in contract.columns
    ]
    # The batch columns default to this transaction's settings, so a CSV can be streamed
    # into COPY as it is (see _copy_text).
    columns += [
        sql.SQL("_batch_id uuid not null default current_setting('bdc.batch_id', true)::uuid"),
        sql.SQL("_source_file text not null default current_setting('bdc.source_file', true)"),
        sql.SQL("_loaded_at timestamptz not null default now()"),
    ]
    table = sql.Identifier("raw", contract.source)
    conn.execute(
        sql.SQL("create table if not exists {} ({})").format(table, sql.SQL(", ").join(columns))
    )
    # No index on _batch_id: maintaining it cost a quarter of every load (docs/benchmarks.md),
    # and only the rare replacement of a batch (a scan) would use it. Older warehouses drop it.
    conn.execute(
        sql.SQL("drop index if exists {}").format(
            sql.Identifier("raw", f"{contract.source}__batch")
        )
    )
    if contract.primary_key:
        conn.execute(
            sql.SQL("create unique index if not exists {} on {} ({})").format(
                sql.Identifier(f"{contract.source}__pk"),
                table,
                sql.SQL(", ").join(map(sql.Identifier, contract.primary_key)),
            )
        )
    conn.execute(
        sql.SQL("create index if not exists {} on {} using brin ({})").format(
            sql.Identifier(f"{contract.source}__ranges"),
            table,
            sql.SQL(", ").join(map(sql.Identifier, _range_columns(contract))),
        )
    )


def _range_columns(contract: Contract) -> list[str]:
    """One BRIN index (a few pages) on when rows were loaded and on the period they belong to.
    Rows arrive in file order, so the incremental models find what changed since their last
    build, and read the months to recount, without reading the whole table (dbt macros
    months_to_rebuild, in_months_to_rebuild). One index on both columns, not one each: kept up
    as rows load, each index cost about a seventh of a large first load (scale 10: 6.6 M
    rows, 18 -> 20.5 s for two), and a BRIN index on two columns serves either alone."""
    return ["_loaded_at", *([contract.period_column] if contract.period_column else [])]


def _raw_table_ready(conn: psycopg.Connection, contract: Contract) -> bool:
    """The raw table exists, with its key index when it has a key, its range index and no
    batch index (older warehouses gain the range index and lose the batch one here)."""
    table, key, ranges, batch = conn.execute(
        "select to_regclass(%s), to_regclass(%s), to_regclass(%s), to_regclass(%s)",
        tuple(f"raw.{contract.source}{suffix}" for suffix in ("", "__pk", "__ranges", "__batch")),
    ).fetchone()
    return (
        None not in (table, ranges)
        and (key is not None or not contract.primary_key)
        and batch is None
    )


def _to_copy_csv(frame: pd.DataFrame, contract: Contract) -> str:
    """Rows as CSV for COPY: empty cells become NULL, booleans lower-cased."""
    out = frame.copy()
    for column in contract.columns:
        if column.type == "boolean":
            out[column.name] = out[column.name].str.lower()
    return out.to_csv(index=False, header=False, lineterminator="\n")


def quarantine_file(path: Path, result: LoadResult, contract: Contract) -> Path:
    stamp = datetime.now(ZoneInfo(environment.TIMEZONE)).strftime("%Y%m%dT%H%M%S")
    folder = environment.quarantine_dir() / contract.source / f"{stamp}_{path.stem}"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), folder / path.name)
    report = folder / "report.txt"
    lines = [
        f"File: {path.name}",
        f"Source: {contract.source} ({contract.title})",
        f"Rejected at: {stamp} ({environment.TIMEZONE})",
        "Nothing from this file was loaded; the earlier data is unchanged.",
        f"Problems found: {len(result.problems)} (first {min(len(result.problems), 200)} below)",
        "",
        *[f"- {problem.as_line()}" for problem in result.problems[:200]],
        "",
        "Fix the file and drop it into the landing folder again.",
    ]
    report.write_text("\n".join(lines) + "\n")
    with (folder / "problems.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "column", "value", "problem"])
        for problem in result.problems:
            # Rejected values may be formulas: guarded, as in every CSV we write.
            writer.writerow(
                [
                    problem.row,
                    csvsafe.guard(problem.column or ""),
                    csvsafe.guard(problem.value or ""),
                    csvsafe.guard(problem.message),
                ]
            )
    return report


def record_load(conn, result: LoadResult, digest: str, size: int, period, message: str) -> None:
    conn.execute(
        """insert into audit.loads (batch_id, source, file_name, file_checksum, file_bytes,
               period_start, period_end, rows_read, rows_loaded, rows_rejected, outcome,
               message, report_path, finished_at)
           values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now())""",
        (
            result.batch_id,
            result.source,
            result.file.name,
            digest,
            size,
            period[0],
            period[1],
            result.rows_read,
            result.rows_loaded,
            result.rows_rejected,
            result.outcome,
            message,
            str(result.report_path) if result.report_path else None,
        ),
    )


def _superseded(conn, source: str, period) -> list[str]:
    """Earlier loaded batches this file replaces: those whose period lies within its period
    (a corrected month, or a longer published series), or everything for static data."""
    if period[0] is None:
        rows = conn.execute(
            "select batch_id from audit.loads where source = %s and outcome = 'loaded'",
            (source,),
        ).fetchall()
    else:
        rows = conn.execute(
            """select batch_id from audit.loads where source = %s and outcome = 'loaded'
               and period_start >= %s and period_end <= %s""",
            (source, *period),
        ).fetchall()
    return [str(row[0]) for row in rows]


def known_codes(conn: psycopg.Connection, contract: Contract) -> dict[str, set[str]]:
    """For each column whose codes come from another loaded source (e.g. ward codes in the
    gazetteer), the codes that source holds; a source not loaded yet constrains nothing."""
    known: dict[str, set[str]] = {}
    for column in contract.columns:
        if not column.codes_from:
            continue
        source, other = column.codes_from.split(".")
        exists = conn.execute("select to_regclass(%s)", (f"raw.{source}",)).fetchone()[0]
        if exists is None:
            continue
        codes = {
            row[0]
            for row in conn.execute(
                sql.SQL("select distinct {}::text from {}").format(
                    sql.Identifier(other), sql.Identifier("raw", source)
                )
            )
        }
        if codes:
            known[column.name] = codes
    return known


def check_codes(
    contract: Contract, frame: pd.DataFrame, known: dict[str, set[str]]
) -> list[Problem]:
    """Rows whose codes are not among the `known` codes of their column."""
    problems: list[Problem] = []
    for name, codes in known.items():
        column = contract.column(name)
        values = frame[column.name]
        unknown = (values != "") & ~values.isin(codes)
        for index in unknown[unknown].index[:200]:
            problems.append(
                Problem(
                    int(index) + 2,
                    column.name,
                    values[index],
                    f"is not a known code in {column.codes_from}",
                )
            )
    return problems


def _copy_text(conn, contract: Contract, text: str, header: list[str], result: LoadResult) -> None:
    """Stream the CSV unchanged into COPY: close to a plain COPY."""
    conn.execute(
        "select set_config('bdc.batch_id', %s, true), set_config('bdc.source_file', %s, true)",
        (result.batch_id, result.file.name),
    )
    columns = sql.SQL(", ").join(map(sql.Identifier, header))
    copy = sql.SQL(
        "copy {} ({}) from stdin with (format csv, header true, force_null ({}))"
    ).format(sql.Identifier("raw", contract.source), columns, columns)
    with conn.cursor().copy(copy) as copier:
        copier.write(text)


def _copy_frame(conn, contract: Contract, frame: pd.DataFrame, result: LoadResult) -> None:
    names = [*contract.column_names, "_batch_id", "_source_file"]
    frame = frame.assign(_batch_id=result.batch_id, _source_file=result.file.name)
    copy = sql.SQL("copy {} ({}) from stdin with (format csv)").format(
        sql.Identifier("raw", contract.source), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    with conn.cursor().copy(copy) as copier:
        copier.write(_to_copy_csv(frame, contract))


def lock_source(conn, source: str) -> None:
    """Hold the source's load lock until this transaction ends (taking it again is a no-op)."""
    conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (source,))


def _replace_period(conn, contract: Contract, period, result: LoadResult) -> None:
    """The raw table made sure of and the earlier batches of the period deleted."""
    lock_source(conn, contract.source)
    ensure_raw_table(conn, contract)
    result.replaced_batches = _superseded(conn, contract.source, period)
    if result.replaced_batches:
        conn.execute(
            sql.SQL("delete from {} where _batch_id = any(%s::uuid[])").format(
                sql.Identifier("raw", contract.source)
            ),
            (result.replaced_batches,),
        )
        conn.execute(
            "update audit.loads set outcome = 'superseded' where batch_id = any(%s::uuid[])",
            (result.replaced_batches,),
        )


def _record_loaded(conn, result: LoadResult, rows: int, digest: str, size: int, period) -> None:
    result.rows_loaded = rows
    result.outcome = "loaded"
    replaced = (
        f"; replaced {len(result.replaced_batches)} batch(es)" if result.replaced_batches else ""
    )
    record_load(conn, result, digest, size, period, f"encoding {result.encoding}{replaced}")


def load_frame(
    conn: psycopg.Connection,
    contract: Contract,
    frame: pd.DataFrame,
    result: LoadResult,
    digest: str,
    size: int,
    parsed: Parsed | None = None,
    checks: Callable[[], list[Problem]] = lambda: [],
) -> None:
    """COPY rows into raw.<source> with their batch, in the caller's transaction.

    `checks` (which must not use the connection) returns the rows' problems. It runs while
    COPY streams the file, so the loader validates on one core while PostgreSQL parses and
    indexes on the other; any problem rolls the load back (FileRejected, nothing written).
    """
    period = period_of(frame, contract)
    _replace_period(conn, contract, period, result)
    failure = None
    # Blank lines are skipped by the parser but not by COPY: such files take the frame path.
    if parsed is not None and parsed.text is not None and not has_blank_line(parsed.text):
        # The COPY thread sends the text in 128 kB pieces, each needing the GIL for a moment:
        # switching threads more often keeps PostgreSQL fed while the checks hold the GIL.
        interval = sys.getswitchinterval()
        sys.setswitchinterval(0.0001)
        try:
            with ThreadPoolExecutor(max_workers=1) as pool:
                copying = pool.submit(
                    _copy_text, conn, contract, parsed.text, parsed.header, result
                )
                problems = checks()
                failure = copying.exception()
        finally:
            sys.setswitchinterval(interval)
    else:
        problems = checks()
        if not problems:
            _copy_frame(conn, contract, frame, result)
    if problems:
        raise FileRejected(problems)
    if failure is not None:
        raise failure
    _record_loaded(conn, result, len(frame), digest, size, period)


@dataclass
class Landed:
    """A landing file read, and screened when it is CSV, before any database work."""

    path: Path
    contract: Contract
    data: bytes
    digest: str
    text: str | None = None  # the decoded CSV, when the screen found it certainly clean
    encoding: str = ""
    header: list[str] = field(default_factory=list)
    screened: screening.Screened | None = None  # None: the full check decides
    changing: bool = False  # the file changed while it was read: still being written
    unreadable: str | None = None  # why the file could not be read at all


def read_landed(path: Path, contract: Contract, known: dict[str, set[str]], today: date) -> Landed:
    try:
        before = signature(path)
        data = path.read_bytes()
        changing = signature(path) != before
    except OSError as error:
        landed = Landed(path, contract, b"", "", unreadable=error.strerror or type(error).__name__)
        return landed
    landed = Landed(path, contract, data, hashlib.sha256(data).hexdigest(), changing=changing)
    if changing or path.suffix.lower() == ".xlsx":
        return landed
    try:
        text, encoding = decode(data)
    except FileRejected:
        return landed  # the full check reports it
    header = screening.header_of(text)
    if header is None or check_header(header, contract):
        return landed
    screened = screening.screen(text, header, contract, known, today)
    if screened is not None:
        landed.text, landed.encoding, landed.header = text, encoding, header
        landed.screened = screened
    return landed


def _load_screened(conn, landed: Landed, result: LoadResult) -> None:
    """Load a CSV the quick screen found certainly clean: no pandas, straight into COPY."""
    period, rows = landed.screened.period, landed.screened.rows
    result.encoding, result.rows_read = landed.encoding, rows
    _replace_period(conn, landed.contract, period, result)
    _copy_text(conn, landed.contract, landed.text, landed.header, result)
    _record_loaded(conn, result, rows, landed.digest, len(landed.data), period)


def _load_checked(conn, landed: Landed, known: dict[str, set[str]], result: LoadResult) -> None:
    """Load a file after the full check (pandas, every rule, every problem named)."""
    contract = landed.contract
    parsed = parse_file(landed.path, contract, check_fields=False, data=landed.data)
    frame, result.encoding = parsed.frame, parsed.encoding
    result.rows_read = len(frame)
    unknown_codes = check_codes(contract, frame, known)

    def problems() -> list[Problem]:
        if parsed.text is not None and (bad := field_count_problems(parsed.text)):
            return bad
        return check_rows(frame, contract, text=parsed.text) or unknown_codes

    load_frame(
        conn, contract, frame, result, landed.digest, len(landed.data), parsed, checks=problems
    )


def ingest_files(
    url: str, paths: list[Path], source: str | None = None, quarantine: bool = True
) -> list[LoadResult]:
    """Validate and load landing files in order, one transaction each, on one connection.

    The next file is read and screened in a thread while this one is copied into PostgreSQL.
    The codes other sources hold (codes_from) are read once per source, before its first file.
    """
    paths = [Path(path) for path in paths]
    today = datetime.now().date()
    known: dict[str, dict[str, set[str]]] = {}
    results = []
    with psycopg.connect(url) as conn, ThreadPoolExecutor(max_workers=1) as pool:

        def read_ahead(path: Path):
            contract = contracts.get(source or source_for(path))
            if contract.source not in known:
                known[contract.source] = known_codes(conn, contract)
            return pool.submit(read_landed, path, contract, known[contract.source], today)

        upcoming = read_ahead(paths[0]) if paths else None
        for index in range(len(paths)):
            landed = upcoming.result()
            if index + 1 < len(paths):
                upcoming = read_ahead(paths[index + 1])
            results.append(_ingest(conn, landed, known[landed.contract.source], quarantine))
    return results


def ingest_file(
    url: str, path: Path, source: str | None = None, quarantine: bool = True
) -> LoadResult:
    """Validate and load one landing file; the same logic for `bdc ingest` and the sensors."""
    return ingest_files(url, [path], source, quarantine)[0]


# Failures that are the database's, not the file's: they stop the run instead of
# quarantining a good file.
CONNECTION_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError)


def _ingest(conn, landed: Landed, known: dict[str, set[str]], quarantine: bool) -> LoadResult:
    """One file's load, whose every failure is that file's alone: rejected, quarantined with
    its report and audited, while the other files load."""
    contract, digest = landed.contract, landed.digest
    result = LoadResult(
        source=contract.source, file=landed.path, outcome="rejected", batch_id=str(uuid.uuid4())
    )
    if landed.changing:
        result.outcome = "arriving"
        return result
    if landed.unreadable is not None:
        result.problems = [
            Problem(None, None, None, f"the file cannot be read ({landed.unreadable})")
        ]
        return _reject(conn, landed, result, quarantine)
    # One load of a source at a time, from the check of what is loaded to the commit: two
    # loads of one file at once load it once, and never race to create the raw table.
    lock_source(conn, contract.source)
    status = checksum_status(conn, contract.source, digest)
    if status in ("loaded", "superseded", "withdrawn"):
        conn.rollback()
        result.outcome = "duplicate" if status == "loaded" else status
        return result
    try:
        if landed.screened is not None:
            _load_screened(conn, landed, result)
        else:
            _load_checked(conn, landed, known, result)
        conn.commit()
        return result
    except FileRejected as rejected:
        conn.rollback()
        result.problems = rejected.problems
    except psycopg.errors.UniqueViolation as error:
        conn.rollback()
        result.problems = [
            Problem(
                None,
                ",".join(contract.primary_key),
                None,
                "a row's key is already loaded from another file "
                f"for a different period ({error.diag.message_detail})",
            )
        ]
    except psycopg.errors.DataError as error:
        conn.rollback()
        result.problems = [
            Problem(None, None, None, f"the database refused a value: {error.diag.message_primary}")
        ]
    except CONNECTION_ERRORS:
        raise
    except Exception as error:  # anything else this file triggers must not stop the source
        conn.rollback()
        result.problems = [
            Problem(None, None, None, f"the file could not be loaded ({type(error).__name__})")
        ]
    return _reject(conn, landed, result, quarantine)


def _reject(conn, landed: Landed, result: LoadResult, quarantine: bool) -> LoadResult:
    result.outcome = "rejected"
    result.rows_rejected = result.rows_read
    result.rows_loaded = 0
    if quarantine:
        result.report_path = quarantine_file(landed.path, result, landed.contract)
    record_load(
        conn, result, landed.digest, len(landed.data), (None, None), result.problems[0].as_line()
    )
    conn.commit()
    return result


def checksum_status(conn, source: str, digest: str) -> str | None:
    """What became of this content for the source: loaded, superseded, withdrawn, or None."""
    row = conn.execute(
        """select outcome from audit.loads where source = %s and file_checksum = %s
           and outcome in ('loaded', 'superseded', 'withdrawn')
           order by outcome = 'loaded' desc, started_at desc limit 1""",
        (source, digest),
    ).fetchone()
    return row[0] if row else None


def refuse_entries(url: str, source: str, refused: list[Refused]) -> list[LoadResult]:
    """Quarantine and audit landing entries refused unread (links, paths leading elsewhere).
    Only the entry itself moves; what a link points at is never opened."""
    contract = contracts.get(source)
    results = []
    with psycopg.connect(url) as conn:
        for entry in refused:
            result = LoadResult(
                source=source, file=entry.path, outcome="rejected", batch_id=str(uuid.uuid4())
            )
            result.problems = [Problem(None, None, None, entry.reason)]
            # An identity for the audit row that reads nothing through the link.
            digest = hashlib.sha256(f"refused:{entry.path.name}".encode()).hexdigest()
            landed = Landed(entry.path, contract, b"", digest)
            results.append(_reject(conn, landed, result, quarantine=True))
    return results


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A typed frame in the text form a landing file would have (ISO dates, empty = null)."""
    out = pd.DataFrame(index=frame.index)
    for name, values in frame.items():
        if pd.api.types.is_datetime64_any_dtype(values):
            text = values.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(values):
            text = values.map({True: "true", False: "false"})
        else:
            text = values.map(
                lambda value: value.isoformat() if hasattr(value, "isoformat") else str(value)
            )
        out[name] = text.where(values.notna(), "")
    return out.reset_index(drop=True)


def ingest_reference(url: str, source: str, reference_dir: Path) -> LoadResult:
    """Parse a real published file family and load it like a landing file (one static batch)."""
    from orchestration.lib.ingest.reference import PARSERS, manifest

    parser = PARSERS[source]
    contract = contracts.get(source)
    # Only the files the manifest describes: a changed or unlisted file is refused here.
    manifest.require_listed(reference_dir, parser.files)
    files = [reference_dir / name for name in parser.files]
    digest = hashlib.sha256("".join(checksum(path) for path in files).encode()).hexdigest()
    label = Path(" + ".join(Path(name).name for name in parser.files))
    result = LoadResult(source=source, file=label, outcome="rejected", batch_id=str(uuid.uuid4()))
    size = sum(path.stat().st_size for path in files)
    with psycopg.connect(url) as conn:
        status = checksum_status(conn, source, digest)
        if status in ("loaded", "withdrawn"):
            # A reverted snapshot (an older checksum, superseded) is loaded again: it is the
            # snapshot the repository now holds.
            result.outcome = "duplicate" if status == "loaded" else status
            return result
        frame = _as_text(parser.parse(reference_dir))[contract.column_names]
        result.rows_read = len(frame)
        problems = check_rows(frame, contract)
        if problems:
            raise FileRejected(problems)
        load_frame(conn, contract, frame, result, digest, size)
        conn.commit()
    return result


def settle_seconds() -> float:
    """How long a file must stay unchanged before it counts as complete."""
    return float(os.environ.get("BDC_LANDING_SETTLE_SECONDS", "2"))


def signature(path: Path) -> tuple[int, int]:
    stat = path.stat(follow_symlinks=False)
    return stat.st_size, stat.st_mtime_ns


def landing_entries(source: str) -> tuple[list[Path], list[Refused]]:
    """The source's landing files (CSV or XLSX, not temporary names) and the entries refused
    unread: symbolic links, and anything that resolves outside the source's folder."""
    folder = environment.landing_dir() / source
    if not folder.is_dir():
        return [], []
    home = folder.resolve()
    files, refused = [], []
    for path in sorted(folder.iterdir()):
        if TEMPORARY_NAME.search(path.name) or path.suffix.lower() not in LANDING_SUFFIXES:
            continue
        if path.is_symlink():
            refused.append(
                Refused(
                    path,
                    "is a symbolic link; links are not followed, so nothing was read. Copy the "
                    "file itself into the landing folder",
                )
            )
        elif path.resolve().parent != home:
            refused.append(Refused(path, "resolves outside its landing folder; nothing was read"))
        elif path.is_file():
            files.append(path)
    return files, refused


def pending_files(source: str) -> list[Path]:
    return landing_entries(source)[0]


def complete_files(paths: list[Path], settle: float | None = None) -> tuple[list[Path], list[Path]]:
    """The files that stay the same size and age across two looks at least `settle` seconds
    after their last change, and those still being written. A file written in one go and
    left alone passes at once; a young file is looked at again when it is `settle` old."""
    settle = settle_seconds() if settle is None else settle
    first = {path: signature(path) for path in paths}
    youngest = max((mtime for _, mtime in first.values()), default=0)
    wait = settle - (time.time_ns() - youngest) / 1e9
    if paths and wait > 0:
        time.sleep(min(wait, settle))
    now = time.time_ns()
    complete, arriving = [], []
    for path in paths:
        try:
            second = signature(path)
        except FileNotFoundError:
            continue  # moved away (renamed into place under another name) meanwhile
        settled = second == first[path] and (now - second[1]) / 1e9 >= settle
        (complete if settled else arriving).append(path)
    return complete, arriving


def seen_checksums(conn, source: str, digests: list[str]) -> set[str]:
    """Those of the checksums that a run must not load again for the source."""
    rows = conn.execute(
        "select file_checksum from audit.loads where source = %s "
        "and outcome = any(%s) and file_checksum = any(%s)",
        (source, list(SETTLED_OUTCOMES), digests),
    )
    return {row[0] for row in rows}


def scan_landing(url: str, source: str) -> LandingScan:
    """The source's landing files to load now, oldest arrival first, so that the newest
    version of a period is loaded last and supersedes the others. Content seen before (loaded,
    superseded by a later version, withdrawn or refused) is never loaded again by a run: one
    query for the lot."""
    files, refused = landing_entries(source)
    complete, arriving = complete_files(files)
    digests = {path: checksum(path) for path in complete}
    with psycopg.connect(url) as conn:
        seen = seen_checksums(conn, source, list(digests.values()))
    fresh = [path for path in complete if digests[path] not in seen]
    fresh.sort(key=lambda path: (signature(path)[1], path.name))
    return LandingScan(fresh, len(complete) - len(fresh), refused, arriving)


def unloaded_files(url: str, source: str) -> tuple[list[Path], int]:
    """The source's complete landing files not seen before, and how many have been."""
    scan = scan_landing(url, source)
    return scan.to_load, scan.already


class WithdrawRefused(ValueError):
    """The batch cannot be withdrawn (unknown, or not the loaded version of its period)."""


@dataclass(frozen=True)
class Withdrawal:
    batch_id: str
    source: str
    file_name: str
    rows: int
    period: tuple[date | None, date | None]


def withdraw(url: str, batch_id: str, reason: str, by: str) -> Withdrawal:
    """Take a loaded batch out of its raw table, in one transaction, audited with who, when
    and why. Its content is never loaded again by a run; the earlier versions it superseded
    stay superseded (send a new file for the period to replace it)."""
    if not reason.strip():
        raise WithdrawRefused("say why the batch is withdrawn (--reason)")
    try:
        uuid.UUID(batch_id)
    except ValueError as error:
        raise WithdrawRefused(f"'{batch_id}' is not a batch id (see audit.loads)") from error
    with psycopg.connect(url) as conn:
        row = conn.execute(
            """select source, file_name, outcome, period_start, period_end
               from audit.loads where batch_id = %s""",
            (batch_id,),
        ).fetchone()
        if row is None:
            raise WithdrawRefused(f"no batch {batch_id} in audit.loads")
        source, file_name, outcome, start, end = row
        if outcome != "loaded":
            raise WithdrawRefused(
                f"batch {batch_id} ({file_name}) is {outcome}, not loaded; nothing to withdraw"
            )
        lock_source(conn, source)
        deleted = conn.execute(
            sql.SQL("delete from {} where _batch_id = %s").format(sql.Identifier("raw", source)),
            (batch_id,),
        ).rowcount
        conn.execute(
            """update audit.loads set outcome = 'withdrawn', withdrawn_at = now(),
                   withdrawn_by = %s, withdrawn_reason = %s
               where batch_id = %s""",
            (by, reason.strip(), batch_id),
        )
    return Withdrawal(batch_id, source, file_name, deleted, (start, end))


def withdrawals_to_rebuild(url: str) -> list[str]:
    """Withdrawn batches whose rows the incremental models may still hold."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select batch_id::text from audit.loads "
            "where outcome = 'withdrawn' and withdrawal_rebuilt_at is null"
        ).fetchall()
    return [row[0] for row in rows]


def mark_withdrawals_rebuilt(url: str, batch_ids: list[str]) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(
            "update audit.loads set withdrawal_rebuilt_at = now() where batch_id = any(%s::uuid[])",
            (batch_ids,),
        )
