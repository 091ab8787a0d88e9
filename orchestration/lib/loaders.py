"""Load one landing file into raw.<source>: validate, then COPY in one transaction, audited.

Nothing is ever partly loaded: a rejected file is moved whole to the quarantine with a report,
a valid one is loaded in a single transaction together with its audit row, a corrected file for
the same period replaces the earlier batch in that same transaction, and the same file twice is
a no-op.
"""

import csv
import hashlib
import io
import shutil
import sys
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

from orchestration.lib import contracts, environment, screening
from orchestration.lib.contracts import Contract
from orchestration.lib.validation import (
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
    outcome: str  # loaded | rejected | duplicate
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
        first = self.problems[0].as_line() if self.problems else ""
        more = f" and {len(self.problems) - 1} more problems" if len(self.problems) > 1 else ""
        return (
            f"{self.file.name}: rejected, nothing loaded: {first}{more}. Report: {self.report_path}"
        )


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_for(path: Path) -> str:
    """A landing file's source is the name of its folder: landing/<source>/<file>."""
    return path.resolve().parent.name


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without a BOM), else Windows-1252 if it decodes cleanly."""
    try:
        text = data.decode("utf-8-sig")
        return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as error:
        raise FileRejected(
            [
                Problem(
                    None,
                    None,
                    None,
                    "the file is neither UTF-8 nor Windows-1252 text "
                    f"({error.reason} at byte {error.start})",
                )
            ]
        ) from error


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
            writer.writerow([problem.row, problem.column, problem.value, problem.message])
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


def loaded_checksums(conn, source: str, digests: list[str]) -> set[str]:
    """Those of the checksums whose file content is loaded (the current batch) for the source."""
    rows = conn.execute(
        "select file_checksum from audit.loads where source = %s "
        "and outcome = 'loaded' and file_checksum = any(%s)",
        (source, digests),
    )
    return {row[0] for row in rows}


def already_loaded(conn, source: str, digest: str) -> bool:
    return bool(loaded_checksums(conn, source, [digest]))


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


def _replace_period(conn, contract: Contract, period, result: LoadResult) -> None:
    """The raw table made sure of and the earlier batches of the period deleted."""
    ensure_raw_table(conn, contract)
    conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (contract.source,))
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


def read_landed(path: Path, contract: Contract, known: dict[str, set[str]], today: date) -> Landed:
    data = path.read_bytes()
    landed = Landed(path, contract, data, hashlib.sha256(data).hexdigest())
    if path.suffix.lower() == ".xlsx":
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


def _ingest(conn, landed: Landed, known: dict[str, set[str]], quarantine: bool) -> LoadResult:
    contract, path, digest, size = landed.contract, landed.path, landed.digest, len(landed.data)
    result = LoadResult(
        source=contract.source, file=path, outcome="rejected", batch_id=str(uuid.uuid4())
    )
    if already_loaded(conn, contract.source, digest):
        result.outcome = "duplicate"
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
    result.outcome = "rejected"
    result.rows_rejected = result.rows_read
    result.rows_loaded = 0
    if quarantine:
        result.report_path = quarantine_file(path, result, contract)
    record_load(conn, result, digest, size, (None, None), result.problems[0].as_line())
    conn.commit()
    return result


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
    from orchestration.lib.reference import PARSERS, manifest

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
        if already_loaded(conn, source, digest):
            result.outcome = "duplicate"
            return result
        frame = _as_text(parser.parse(reference_dir))[contract.column_names]
        result.rows_read = len(frame)
        problems = check_rows(frame, contract)
        if problems:
            raise FileRejected(problems)
        load_frame(conn, contract, frame, result, digest, size)
        conn.commit()
    return result


def pending_files(source: str) -> list[Path]:
    folder = environment.landing_dir() / source
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and path.suffix.lower() in LANDING_SUFFIXES
    )


def unloaded_files(url: str, source: str) -> tuple[list[Path], int]:
    """The source's landing files whose content has not been loaded yet, and how many have
    been (the landing zone keeps loaded files). One query for the lot, where asking file by
    file cost a connection each: most of a new month's run for a source of small files."""
    files = pending_files(source)
    digests = {path: checksum(path) for path in files}
    with psycopg.connect(url) as conn:
        loaded = loaded_checksums(conn, source, list(digests.values()))
    unloaded = [path for path in files if digests[path] not in loaded]
    return unloaded, len(files) - len(unloaded)
