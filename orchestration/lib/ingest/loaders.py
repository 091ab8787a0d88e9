"""Load one landing file into raw.<source>: validate, then COPY in one transaction, audited.

Nothing is ever partly loaded: a rejected file is moved whole to the quarantine with a report,
a valid one is loaded in a single transaction together with its audit row, a corrected file for
the same period replaces the earlier batch in that same transaction, and the same file twice is
a no-op.

The steps live beside it: the landing folders (landing.py), reading and decoding a file
(reading.py), the rules (validation.py, and the quick screen in screening.py), the raw tables
and COPY (raw_tables.py) and the audit of every load and withdrawal (load_audit.py).
"""

import csv
import io
import sys
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import psycopg
from psycopg import sql

from orchestration.lib import checksums, contracts, csvsafe, environment, storage
from orchestration.lib.contracts import Contract
from orchestration.lib.ingest import screening
from orchestration.lib.ingest.landing import Refused, signature, source_for
from orchestration.lib.ingest.load_audit import (
    LoadResult,
    checksum_status,
    record_load,
    superseded_batches,
)
from orchestration.lib.ingest.raw_tables import (
    copy_frame,
    copy_text,
    ensure_raw_table,
    known_codes,
    lock_source,
)
from orchestration.lib.ingest.reading import (
    FileRejected,
    Parsed,
    decode,
    field_count_problems,
    parse_file,
)
from orchestration.lib.ingest.validation import (
    Problem,
    check_codes,
    check_header,
    check_rows,
    has_blank_line,
    period_of,
)


def quarantine_file(path: Path, result: LoadResult, contract: Contract) -> Path:
    """Move the file whole to quarantine/<source>/<time>_<name>/ under the output location
    (a local folder or an object storage prefix) beside its report and problems."""
    stamp = datetime.now(ZoneInfo(environment.TIMEZONE)).strftime("%Y%m%dT%H%M%S")
    folder = storage.quarantine() / contract.source / f"{stamp}_{path.stem}"
    storage.make_folder(folder)
    storage.move(path, folder / path.name)
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
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = io.StringIO(newline="")
    writer = csv.writer(table)
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
    (folder / "problems.csv").write_bytes(table.getvalue().encode("utf-8"))
    return report


def _replace_period(conn, contract: Contract, period, result: LoadResult) -> None:
    """The raw table made sure of and the earlier batches of the period deleted."""
    lock_source(conn, contract.source)
    ensure_raw_table(conn, contract)
    result.replaced_batches = superseded_batches(conn, contract.source, period)
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
                    copy_text,
                    conn,
                    contract,
                    parsed.text,
                    parsed.header,
                    result.batch_id,
                    result.file.name,
                )
                problems = checks()
                failure = copying.exception()
        finally:
            sys.setswitchinterval(interval)
    else:
        problems = checks()
        if not problems:
            copy_frame(conn, contract, frame, result.batch_id, result.file.name)
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
    received_at: datetime | None = None  # when it arrived in the landing zone (its mtime)


def _read_object(path, contract: Contract) -> Landed:
    """An object read once, checksummed as it streams. One replaced or removed meanwhile
    (s3fs reads with If-Match, so a new upload fails the read) counts as still arriving."""

    def replaced() -> bool:
        try:
            return storage.stat(path) != before
        except FileNotFoundError:
            return True

    try:
        before = storage.stat(path)
    except FileNotFoundError:  # gone since the listing (renamed): the next look decides
        return Landed(path, contract, b"", "", changing=True)
    try:
        data, digest = storage.read_bytes_and_checksum(path)
    except OSError:
        if not replaced():
            raise
        data, digest = b"", ""
    landed = Landed(path, contract, data, digest, changing=replaced())
    landed.received_at = datetime.fromtimestamp(before.mtime_ns / 1e9, UTC)
    return landed


def read_landed(path: Path, contract: Contract, known: dict[str, set[str]], today: date) -> Landed:
    try:
        if storage.is_local(path):
            before = signature(path)
            data = path.read_bytes()
            changing = signature(path) != before
            landed = Landed(path, contract, data, checksums.sha256(data), changing=changing)
            landed.received_at = datetime.fromtimestamp(before[1] / 1e9, UTC)
        else:
            landed = _read_object(path, contract)
            data, changing = landed.data, landed.changing
    except OSError as error:
        landed = Landed(path, contract, b"", "", unreadable=error.strerror or type(error).__name__)
        return landed
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
    copy_text(conn, landed.contract, landed.text, landed.header, result.batch_id, result.file.name)
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
    paths = [storage.as_path(path) for path in paths]
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
        source=contract.source,
        file=landed.path,
        outcome="rejected",
        batch_id=str(uuid.uuid4()),
        received_at=landed.received_at,
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
            try:  # the link's own time, not its target's
                result.received_at = datetime.fromtimestamp(signature(entry.path)[1] / 1e9, UTC)
            except OSError:
                pass
            # An identity for the audit row that reads nothing through the link.
            digest = checksums.sha256(f"refused:{entry.path.name}")
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
    digest = checksums.sha256("".join(checksums.sha256_file(path) for path in files))
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
