"""One partner extract per data-sharing agreement: data CSVs, a data dictionary and a manifest.

    result = build_share(url, "connecting_families")

writes build/shares/<agreement>/<date>/ and one audit.shares row. Only what the agreement names
leaves: its datasets, its columns, its geography level, its councils and its period range, with
its disclosure rules applied. An agreement not in force, or a closed publication gate, writes
nothing (the last good extract stays in place), records the refusal, and raises SharingRefused.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import psycopg
from psycopg import sql

from orchestration.lib import csvsafe, environment
from orchestration.lib.checksums import sha256_file
from orchestration.lib.publishing import disclosure
from orchestration.lib.sharing import audit
from orchestration.lib.sharing.agreements import (
    Agreement,
    Dataset,
    Register,
    load_register,
    london_today,
)

COUNT_COLUMNS = ("numerator", "denominator", "value")
MARKER_MEANING = (
    "Why {column} is empty: {suppressed} suppressed to protect confidentiality; "
    "{na} not available. Empty when {column} is given."
)
DICTIONARY_FILE = "data_dictionary.csv"
MANIFEST_FILE = "manifest.json"


class SharingRefused(RuntimeError):
    """Nothing was shared: the message says why and what to do."""


@dataclass
class ShareFile:
    name: str
    rows: int
    sha256: str
    bytes: int
    dataset: str | None = None

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "dataset": self.dataset,
            "rows": self.rows,
            "sha256": self.sha256,
            "bytes": self.bytes,
        }


@dataclass
class ShareResult:
    agreement_id: str
    folder: Path
    period_start: dt.date
    period_end: dt.date
    files: list[ShareFile]
    suppressed: int
    share_id: str
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        rows = sum(f.rows for f in self.files if f.dataset)
        return (
            f"{self.agreement_id}: {rows:,} rows in {sum(1 for f in self.files if f.dataset)} "
            f"file(s), {self.suppressed} cell(s) suppressed, periods {self.period_start} to "
            f"{self.period_end}; written to {self.folder}"
        )


def shares_dir(agreement_id: str) -> Path:
    return environment.output_dir() / "shares" / agreement_id


def latest_extract(agreement_id: str) -> Path | None:
    folder = shares_dir(agreement_id)
    if not folder.is_dir():
        return None
    dated = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    return dated[-1] if dated else None


def period_end_for(agreement: Agreement, today: dt.date) -> dt.date:
    """The end of the latest month (monthly) or quarter (quarterly; Q1 = April-June) whose data
    are due on `today` from every source the gate checks for this extract (each contract's due
    working day), capped by the terms. A period not due yet is not shared, nor stale; it is never
    read from the data, so rows loaded early for a later month change nothing."""
    from orchestration.lib.quality import freshness
    from orchestration.lib.quality.gate import inputs_for

    end = freshness.latest_due_end(inputs_for(f"share:{agreement.id}").sources, today)
    if end is None:  # no scheduled source: the last complete month
        end = today.replace(day=1) - dt.timedelta(days=1)
    if agreement.frequency == "quarterly":
        while end.month % 3 != 0:
            end = end.replace(day=1) - dt.timedelta(days=1)
    if agreement.period_to is not None and agreement.period_to < end:
        end = agreement.period_to
    return end


def _exists(conn, table: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (table,)).fetchone()[0]


def _fetch(conn, query, params) -> list[dict]:
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(query, params)
        return cur.fetchall()


def _table_columns(conn, table: str) -> set[str]:
    schema, name = table.split(".")
    rows = conn.execute(
        "select column_name from information_schema.columns "
        "where table_schema = %s and table_name = %s",
        (schema, name),
    ).fetchall()
    return {row[0] for row in rows}


def _units() -> dict[str, str]:
    from orchestration.lib.registry import measures

    return {m.id: m.fields.get("unit") for m in measures.load_registry().measures}


def _ward_localities(conn) -> dict[tuple[str, str], str]:
    """Ward -> locality (its public code), so suppression also covers the sums a reader knows
    from locality figures; read from the same table as the public site's."""
    from orchestration.lib.publishing.publish import LOCALITY_CODE

    if not _exists(conn, "marts.profile_wards"):
        return {}
    rows = conn.execute(
        f"select council_code, ward_code, {LOCALITY_CODE} from marts.profile_wards"
    ).fetchall()
    return {(council, ward): locality for council, ward, locality in rows if locality}


def _locality_code(name: str) -> str:
    """The public site's code of a locality: its name as a URL slug (publish.LOCALITY_CODE)."""
    return re.sub(r"[^A-Za-z0-9]+", "-", name).lower()


MEASURE_ROWS_SQL = """
select measure_id, council_code, period_start, period_end, geography_type, geography_code,
       numerator, denominator, value, status, loaded_at
from marts.fct_measure_values
where measure_id = any(%(measures)s) and council_code = any(%(councils)s)
  and geography_type = any(%(levels)s)
  and period_start >= %(period_from)s and period_end <= %(period_end)s
order by measure_id, council_code, period_start, period_end, geography_code
"""


def measure_rows(
    conn, agreement: Agreement, dataset: Dataset, period_end: dt.date
) -> tuple[list[dict], list[str], int]:
    """The agreed measures at the agreed level, disclosure applied; columns, suppressed count.

    Small-area counts are protected exactly as on the public site: over wards and localities
    together, with the site's cell codes, so the cells hidden are the site's (same threshold) and
    the extract plus the site give away nothing the rule protects. Then only the agreed level
    is kept.
    """
    if not _exists(conn, "marts.fct_measure_values"):
        raise SharingRefused(
            "marts.fct_measure_values is not built yet: run `bdc run` first; nothing was shared"
        )
    from orchestration.lib.publishing.publish import SMALL_AREAS

    values = _fetch(
        conn,
        MEASURE_ROWS_SQL,
        {
            "measures": list(dataset.measures),
            "councils": list(agreement.councils),
            "levels": list(SMALL_AREAS)
            if agreement.geography in SMALL_AREAS
            else [agreement.geography],
            "period_from": agreement.period_from,
            "period_end": period_end,
        },
    )
    protected = _protect_as_on_the_site(conn, agreement, values)
    protected = [row for row in protected if row["geography_type"] == agreement.geography]
    suppressed = sum(
        row[f"{c}_marker"] == disclosure.SUPPRESSED for row in protected for c in COUNT_COLUMNS
    )
    columns = list(dataset.columns)
    markers = [f"{c}_marker" for c in COUNT_COLUMNS if c in dataset.columns]
    rows = [{c: row[c] for c in (*columns, *markers)} for row in protected]
    return rows, [*columns, *markers], suppressed


def _protect_as_on_the_site(conn, agreement: Agreement, values: list[dict]) -> list[dict]:
    """The rows with the public site's disclosure control applied, keyed as the site keys its
    cells (localities by their slug while protecting, by name again after), at the agreement's
    threshold. Threshold 0, where the agreement suppresses nothing, leaves every count as it
    is: the partner is entitled to unsuppressed figures."""
    from orchestration.lib.publishing.publish import protect_measure_values

    names = {}
    for value in values:
        if value["geography_type"] == "locality":
            code = _locality_code(value["geography_code"])
            names[(value["council_code"], code)] = value["geography_code"]
            value["geography_code"] = code
    unit_of = _units()
    units = {(v["measure_id"], v["council_code"]): unit_of.get(v["measure_id"]) for v in values}
    threshold = agreement.threshold if agreement.suppress_small_counts else 0
    protected, _ = protect_measure_values(values, units, _ward_localities(conn), threshold)
    for row in protected:
        if row["geography_type"] == "locality":
            row["geography_code"] = names[(row["council_code"], row["geography_code"])]
    return protected


def table_rows(
    conn, agreement: Agreement, dataset: Dataset, period_end: dt.date
) -> tuple[list[dict], list[str], int]:
    """A named marts table: only the agreed columns, councils and periods; counts protected."""
    if not _exists(conn, dataset.table):
        raise SharingRefused(
            f"{dataset.table} (dataset {dataset.name}) is not built yet; nothing was shared"
        )
    present = _table_columns(conn, dataset.table)
    missing = [c for c in dataset.columns if c not in present]
    if missing:
        raise SharingRefused(
            f"{dataset.table} has no column(s) {', '.join(missing)} that agreement "
            f"{agreement.id} names; fix the register or the model; nothing was shared"
        )
    schema, name = dataset.table.split(".")
    conditions, params = [], {}
    if "council_code" in present:
        conditions.append(sql.SQL("council_code = any(%(councils)s)"))
        params["councils"] = list(agreement.councils)
    if dataset.period_column:
        conditions.append(
            sql.SQL("{col} >= %(period_from)s and {col} <= %(period_end)s").format(
                col=sql.Identifier(dataset.period_column)
            )
        )
        params |= {"period_from": agreement.period_from, "period_end": period_end}
    selected = list(dataset.columns)
    fetch = [*selected, *(["council_code"] if "council_code" in present else [])]
    query = sql.SQL("select {cols} from {table}{where} order by {order}").format(
        cols=sql.SQL(", ").join(sql.Identifier(c) for c in dict.fromkeys(fetch)),
        table=sql.Identifier(schema, name),
        where=sql.SQL(" where ") + sql.SQL(" and ").join(conditions) if conditions else sql.SQL(""),
        order=sql.SQL(", ").join(sql.Identifier(c) for c in selected),
    )
    rows = _fetch(conn, query, params)
    suppressed = _protect_table_counts(rows, agreement, dataset)
    markers = [f"{c}_marker" for c in dataset.count_columns]
    out_columns = [*selected, *markers]
    return [{c: row[c] for c in out_columns} for row in rows], out_columns, suppressed


def _protect_table_counts(rows: list[dict], agreement: Agreement, dataset: Dataset) -> int:
    """Suppress small counts of each count column in place, among the rows of one council and
    period (whose total a reader could know), and mark every count cell; the cells hidden."""
    suppressed = 0
    for column in dataset.count_columns:
        hidden: set = set()
        if agreement.suppress_small_counts:
            groups: dict = {}
            for index, row in enumerate(rows):
                group = (row.get("council_code"), row.get(dataset.period_column))
                groups.setdefault(group, {})[index] = _number(row[column])
            for counts in groups.values():
                relation = disclosure.Relation.of(counts)
                hidden |= disclosure.protect(counts, [relation], agreement.threshold)
        for index, row in enumerate(rows):
            if index in hidden:
                row[column] = None
                row[f"{column}_marker"] = disclosure.SUPPRESSED
                suppressed += 1
            else:
                row[f"{column}_marker"] = disclosure.NOT_AVAILABLE if row[column] is None else None
    return suppressed


def _number(value):
    return None if value is None else float(value)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float):
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    text = str(value)
    # Spreadsheets run text cells starting like a formula; real numbers are left alone above.
    return csvsafe.guard(text)


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row[c]) for c in columns])


def dictionary_rows(agreement: Agreement, layouts: dict[str, list[str]]) -> list[dict]:
    """Every column of every data file with its meaning."""
    out = []
    for dataset in agreement.datasets:
        for column in layouts[dataset.name]:
            if column.endswith("_marker") and column not in dataset.columns:
                base = column.removesuffix("_marker")
                meaning = MARKER_MEANING.format(
                    column=base, suppressed=disclosure.SUPPRESSED, na=disclosure.NOT_AVAILABLE
                )
            else:
                meaning = dataset.columns[column]
            out.append({"file": f"{dataset.name}.csv", "column": column, "meaning": meaning})
    return out


def _refuse(url: str | None, agreement_id: str, message: str, agreement=None) -> None:
    if url:
        with psycopg.connect(url) as conn:
            audit.record(
                conn,
                share_id=str(uuid.uuid4()),
                agreement_id=agreement_id,
                agreement_version=agreement.version if agreement else None,
                partner=agreement.partner if agreement else None,
                outcome="refused",
                message=message,
            )
    last = latest_extract(agreement_id)
    kept = f" The last good extract is kept: {last}." if last else ""
    raise SharingRefused(f"{message}.{kept}")


def build_share(
    url: str,
    agreement_id: str,
    *,
    today: dt.date | None = None,
    register: Register | None = None,
) -> ShareResult:
    """Write one agreement's extract and its audit row; SharingRefused if nothing may go."""
    today = today or london_today()
    agreement, status = _agreement_in_force(url, agreement_id, today, register or load_register())
    period_end = _period_due(url, agreement, today)
    gate = _open_gate(url, agreement, period_end, today)

    target = shares_dir(agreement.id) / today.isoformat()
    with _staging_folder(target) as staging, psycopg.connect(url) as conn:
        files, layouts, suppressed = _write_datasets(conn, agreement, period_end, staging)
        entries = dictionary_rows(agreement, layouts)
        files.append(_write_file(staging / DICTIONARY_FILE, ["file", "column", "meaning"], entries))
        share_id = str(uuid.uuid4())
        manifest = _manifest(agreement, share_id, today, period_end, files, suppressed, gate)
        manifest_path = staging / MANIFEST_FILE
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _record_extract(
            conn,
            agreement,
            status,
            share_id=share_id,
            period_end=period_end,
            suppressed=suppressed,
            files=files,
            target=target,
            manifest_sha256=sha256_file(manifest_path),
        )
        # Swap the folder in just before the audit row commits: never one without the other.
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    return ShareResult(
        agreement.id,
        target,
        agreement.period_from,
        period_end,
        files,
        suppressed,
        share_id,
        [*gate.warnings, *([status.message] if status.flags else [])],
    )


def _agreement_in_force(url: str, agreement_id: str, today: dt.date, register: Register):
    """The agreement and its status today; refused when the register has no such agreement or
    it is not in force (not started, expired)."""
    from orchestration.lib.sharing.agreements import AgreementNotFound

    try:
        agreement = register.get(agreement_id)
    except AgreementNotFound as error:
        _refuse(url, agreement_id, str(error))
    status = agreement.status(today)
    if not status.in_force:
        _refuse(url, agreement_id, f"No extract: {status.message}", agreement)
    return agreement, status


def _period_due(url: str, agreement: Agreement, today: dt.date) -> dt.date:
    """The end of the period this extract covers (`period_end_for`); refused when no period
    in the agreed range is due yet."""
    period_end = period_end_for(agreement, today)
    if period_end < agreement.period_from:
        _refuse(
            url, agreement.id, f"No extract: no period due since {agreement.period_from}", agreement
        )
    return period_end


def _open_gate(url: str, agreement: Agreement, period_end: dt.date, today: dt.date):
    """The publication gate's decision for this extract; refused while the gate is closed
    (stale or failing inputs), so a partner never receives what the site would not show."""
    from orchestration.lib.quality.gate import check_gate

    gate = check_gate(url, f"share:{agreement.id}", period_end, today=today)
    if not gate.allowed:
        _refuse(url, agreement.id, f"No extract for {agreement.id}: {gate.summary()}", agreement)
    return gate


@contextmanager
def _staging_folder(target: Path):
    """A hidden folder beside `target` to write the extract into, removed if anything fails:
    the last good extract stays in place until the new one is complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _write_datasets(conn, agreement: Agreement, period_end: dt.date, staging: Path):
    """One CSV per agreed dataset, its rows read with disclosure applied; refused if a model
    change ever brought a personal field into one. Returns the files, each dataset's columns
    (for the data dictionary) and the cells suppressed."""
    files: list[ShareFile] = []
    layouts: dict[str, list[str]] = {}
    suppressed = 0
    for dataset in agreement.datasets:
        reader = measure_rows if dataset.kind == "measures" else table_rows
        rows, columns, hidden = reader(conn, agreement, dataset, period_end)
        personal = disclosure.personal_columns(columns)
        if personal:  # the register forbids it; this guards against a model change
            raise SharingRefused(f"personal fields in {dataset.name}: {personal}")
        files.append(_write_file(staging / f"{dataset.name}.csv", columns, rows, dataset.name))
        layouts[dataset.name] = columns
        suppressed += hidden
    return files, layouts, suppressed


def _write_file(path: Path, columns: list[str], rows: list[dict], dataset=None) -> ShareFile:
    """Write one CSV and describe it for the manifest: rows, checksum, size."""
    write_csv(path, columns, rows)
    return ShareFile(path.name, len(rows), sha256_file(path), path.stat().st_size, dataset)


def _record_extract(
    conn, agreement, status, *, share_id, period_end, suppressed, files, target, manifest_sha256
):
    """The audit.shares row of an extract, in the extract's transaction: what went, to whom,
    under which agreement and version, and the manifest's checksum."""
    audit.record(
        conn,
        share_id=share_id,
        agreement_id=agreement.id,
        agreement_version=agreement.version,
        partner=agreement.partner,
        purpose=agreement.purpose,
        lawful_basis=agreement.lawful_basis,
        outcome="extracted",
        message=status.message,
        datasets=[d.name for d in agreement.datasets],
        geography_level=agreement.geography,
        period_start=agreement.period_from,
        period_end=period_end,
        suppressed_cells=suppressed,
        output_dir=str(target),
        files=[f.as_dict() for f in files],
        manifest_sha256=manifest_sha256,
    )


def _manifest(agreement, share_id, today, period_end, files, suppressed, gate) -> dict:
    return {
        "share_id": share_id,
        "agreement": {
            "id": agreement.id,
            "version": agreement.version,
            "title": agreement.title,
            "partner": agreement.partner,
            "purpose": agreement.purpose,
            "lawful_basis": agreement.lawful_basis,
            "expiry": agreement.expiry.isoformat(),
        },
        "extract_date": today.isoformat(),
        "councils": list(agreement.councils),
        "geography_level": agreement.geography,
        "period_start": agreement.period_from.isoformat(),
        "period_end": period_end.isoformat(),
        "disclosure": {
            "threshold": agreement.threshold,
            "small_counts_suppressed": agreement.suppress_small_counts,
            "cells_suppressed": suppressed,
            "markers": disclosure.MARKERS,
        },
        "files": [f.as_dict() for f in files],
        "gate_warnings": gate.warnings,
        "checksum_algorithm": "sha256",
    }


def verify_manifest(folder: Path) -> list[str]:
    """Problems found re-checking an extract against its manifest (empty when it verifies)."""
    manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    problems = []
    for entry in manifest["files"]:
        path = folder / entry["name"]
        if not path.exists():
            problems.append(f"{entry['name']}: missing")
        elif sha256_file(path) != entry["sha256"]:
            problems.append(f"{entry['name']}: checksum differs from the manifest")
    return problems
