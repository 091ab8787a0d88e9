"""Partner returns in through the intake, under the agreement they are received by.

A thin wrapper around the loader (loaders.ingest_files): the agreement must be in force and
name the return's contract, and every row must come from that agreement's partner (and
measures, when it lists them). Otherwise the file is quarantined with a report and nothing is
loaded; a file that breaks the contract itself is quarantined by the loader exactly as
`bdc ingest` does.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import psycopg

from orchestration.lib import contracts, storage
from orchestration.lib.ingest import load_audit, loaders, reading
from orchestration.lib.ingest.validation import Problem
from orchestration.lib.sharing.agreements import Agreement, Register, load_register, london_today


class ReturnRefused(RuntimeError):
    """The return was not loaded; the message says why and where the report is."""

    def __init__(self, message: str, result: load_audit.LoadResult | None = None):
        super().__init__(message)
        self.result = result


def _reject(url: str, path: Path, agreement_id: str, problems: list[Problem], contract):
    """Quarantine and audit the file exactly as the loader does for a contract failure."""
    result = load_audit.LoadResult(
        source=contract.source,
        file=path,
        outcome="rejected",
        batch_id=str(uuid.uuid4()),
        problems=problems,
    )
    digest, size = storage.sha256(path), storage.stat(path).size
    result.report_path = loaders.quarantine_file(path, result, contract)
    with psycopg.connect(url) as conn:
        load_audit.record_load(conn, result, digest, size, (None, None), problems[0].as_line())
    raise ReturnRefused(
        f"{path.name}: rejected under agreement {agreement_id}, nothing loaded: "
        f"{problems[0].as_line()}. Report: {result.report_path}",
        result,
    )


def _row_problems(agreement: Agreement, path: Path, contract) -> list[Problem]:
    """Rows from another partner, or measures the agreement does not cover."""
    try:
        frame, _ = reading.read_file(path, contract)
    except reading.FileRejected:
        return []  # the loader reports contract failures itself, with its own report
    problems = []
    expected = agreement.returns
    for column, allowed in (
        ("partner", {expected.partner_code}),
        ("measure_code", set(expected.measure_codes)),
    ):
        if column not in frame.columns or not allowed:
            continue
        for index, value in frame[column].items():
            if value not in allowed:
                problems.append(
                    Problem(
                        int(index) + 2,
                        column,
                        value,
                        f"is not covered by agreement {agreement.id} "
                        f"(expected {', '.join(sorted(allowed))})",
                    )
                )
                if len(problems) >= 200:
                    return problems
    return problems


def receive_return(
    url: str,
    path: Path,
    agreement_id: str,
    *,
    today: dt.date | None = None,
    register: Register | None = None,
) -> load_audit.LoadResult:
    """Load one partner return received under an agreement; ReturnRefused when it may not."""
    path = storage.as_path(path)
    register = register or load_register()
    agreement = register.get(agreement_id)
    if agreement.returns is None:
        raise ReturnRefused(
            f"agreement {agreement.id} receives no partner returns (no `returns` in the "
            "register); nothing loaded, the file is left where it is"
        )
    contract = contracts.get(agreement.returns.contract)
    status = agreement.status(today or london_today())
    if not status.in_force:
        _reject(url, path, agreement.id, [Problem(None, None, None, status.message)], contract)
    problems = _row_problems(agreement, path, contract)
    if problems:
        _reject(url, path, agreement.id, problems, contract)
    result = loaders.ingest_file(url, path, source=contract.source)
    if result.outcome == "rejected":
        raise ReturnRefused(result.summary(), result)
    return result


def receive_landing_files(
    url: str, paths: list[Path], register: Register | None = None
) -> list[load_audit.LoadResult]:
    """Partner returns dropped in the landing zone: each row's partner must have an agreement
    in force that receives that measure; otherwise the whole file is quarantined. The files
    that may come in are then loaded together, in order (loaders.ingest_files)."""
    register = register or load_register()
    contract = contracts.get("partner_returns")
    paths = [storage.as_path(path) for path in paths]
    results: dict[Path, load_audit.LoadResult] = {}
    for path in paths:
        problems = _partner_problems(path, register, contract)
        if problems:
            try:
                _reject(url, path, "(by partner)", problems[:200], contract)
            except ReturnRefused as refused:
                results[path] = refused.result
    admitted = [path for path in paths if path not in results]
    for result in loaders.ingest_files(url, admitted, source=contract.source):
        results[result.file] = result
    return [results[path] for path in paths]


def receive_landing_file(url: str, path: Path, register: Register | None = None):
    return receive_landing_files(url, [path], register)[0]


def _partner_problems(path: Path, register: Register, contract) -> list[Problem]:
    """Rows whose partner has no single agreement in force receiving that measure."""
    try:
        frame, _ = reading.read_file(path, contract)
    except reading.FileRejected:
        return []  # the loader reports it
    problems = []
    for partner, rows in frame.groupby("partner", sort=True):
        agreements = register.for_returns(partner)
        if len(agreements) != 1:
            problems.append(
                Problem(
                    int(rows.index[0]) + 2,
                    "partner",
                    partner,
                    "has no single data-sharing agreement that receives returns",
                )
            )
            continue
        agreement = agreements[0]
        status = agreement.status(london_today())
        if not status.in_force:
            problems.append(Problem(int(rows.index[0]) + 2, "partner", partner, status.message))
        covered = set(agreement.returns.measure_codes)
        if covered:
            for index, value in rows["measure_code"][~rows["measure_code"].isin(covered)].items():
                problems.append(
                    Problem(
                        int(index) + 2,
                        "measure_code",
                        value,
                        f"is not covered by agreement {agreement.id}",
                    )
                )
    return problems
