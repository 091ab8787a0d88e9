"""What became of each file: the result of a load and its row in audit.loads.

A batch is loaded, rejected, superseded by a later version of its period, or withdrawn; content
seen before is never loaded again by a run. A withdrawal takes a batch out of its raw table and
is remembered until the incremental models have been rebuilt without it.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import psycopg
from psycopg import sql

from orchestration.lib.ingest.raw_tables import lock_source
from orchestration.lib.ingest.validation import Problem


@dataclass
class LoadResult:
    """What became of one landing file (or reference snapshot) in a run."""

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
    received_at: datetime | None = None  # when the file arrived in the landing zone (mtime)

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


# Outcomes after which the same content is never loaded again by a run.
SETTLED_OUTCOMES = ("loaded", "superseded", "withdrawn", "rejected")


def record_load(conn, result: LoadResult, digest: str, size: int, period, message: str) -> None:
    conn.execute(
        """insert into audit.loads (batch_id, source, file_name, file_checksum, file_bytes,
               period_start, period_end, rows_read, rows_loaded, rows_rejected, outcome,
               message, report_path, received_at, finished_at)
           values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now())""",
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
            result.received_at,
        ),
    )


def checksum_status(conn, source: str, digest: str) -> str | None:
    """What became of this content for the source: loaded, superseded, withdrawn, or None."""
    row = conn.execute(
        """select outcome from audit.loads where source = %s and file_checksum = %s
           and outcome in ('loaded', 'superseded', 'withdrawn')
           order by outcome = 'loaded' desc, started_at desc limit 1""",
        (source, digest),
    ).fetchone()
    return row[0] if row else None


def superseded_batches(conn, source: str, period) -> list[str]:
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


def seen_checksums(conn, source: str, digests: list[str]) -> set[str]:
    """Those of the checksums that a run must not load again for the source."""
    rows = conn.execute(
        "select file_checksum from audit.loads where source = %s "
        "and outcome = any(%s) and file_checksum = any(%s)",
        (source, list(SETTLED_OUTCOMES), digests),
    )
    return {row[0] for row in rows}


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
