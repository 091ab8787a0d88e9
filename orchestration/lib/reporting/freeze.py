"""Where packs live, and issuing them: an immutable copy with its data and a content hash.

build/reports/<kind>/<period>/             the current pack (draft, or the issued bytes)
build/reports/<kind>/<period>/issued/      the issued files, snapshot/*.csv, manifest.json
audit.report_issues                        one row per issued pack

When BDC_OUTPUT_URL is object storage, each pack is written here first and then uploaded to
the same place under it; what was issued is read back from there (the record).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path

import psycopg

from orchestration.lib import environment, storage
from orchestration.lib.checksums import sha256
from orchestration.lib.reporting import calendar, data

ISSUES_DDL = """
create table if not exists audit.report_issues (
    kind text not null,
    period_key text not null,
    content_sha256 text not null,
    manifest jsonb not null,
    path text not null,
    issued_by text not null default current_user,
    issued_at timestamptz not null default now(),
    primary key (kind, period_key)
)
"""


class AlreadyIssued(RuntimeError):
    """An issued pack is immutable."""


def pack_dir(kind: str, key: str) -> Path:
    return environment.output_dir() / "reports" / kind / key


def issued_dir(kind: str, key: str) -> Path:
    return pack_dir(kind, key) / "issued"


def _write_atomically(folder: Path, files: dict[str, bytes], clear_others: bool) -> None:
    """Write every file beside its final place first, then swap them in, so a failure halfway
    leaves the last good version."""
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".writing-", dir=folder))
    try:
        for name, content in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(content)
        if clear_others:
            for old in folder.iterdir():
                if old.is_file() and old.name not in files:
                    old.unlink()
        for name in files:
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, folder / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_pack(kind: str, key: str, files: dict[str, bytes]) -> Path:
    folder = pack_dir(kind, key)
    _write_atomically(folder, files, clear_others=True)
    storage.upload(folder, list(files), clear_others=True)
    return folder


def manifest(kind: str, key: str, files: dict[str, bytes], snapshot: dict[str, str]) -> dict:
    listing = {name: sha256(content) for name, content in sorted(files.items())}
    frozen = {f"snapshot/{n}": sha256(text.encode()) for n, text in sorted(snapshot.items())}
    content = sha256(json.dumps({**listing, **frozen}, sort_keys=True).encode())
    return {"kind": kind, "period": key, "content_sha256": content, "files": listing,
            "snapshot": frozen}  # fmt: skip


def issued_snapshot(kind: str, key: str) -> data.Snapshot | None:
    issued = storage.published(issued_dir(kind, key))
    folder = issued / "snapshot"
    if not (issued / "manifest.json").exists():
        return None
    return data.load({f"{name}.csv": (folder / f"{name}.csv").read_text() for name in data.TABLES})


def issued_manifest(kind: str, key: str) -> dict | None:
    path = storage.published(issued_dir(kind, key)) / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else None


def previous_issued_snapshot(kind: str, key: str) -> data.Snapshot | None:
    """The newest issued pack of this kind for an earlier period (for "revised since")."""
    keys = calendar.period_keys(kind)
    earlier = keys[: keys.index(key)] if key in keys else []
    for candidate in reversed(earlier):
        snap = issued_snapshot(kind, candidate)
        if snap is not None:
            return snap
    return None


def issue(url: str, kind: str, key: str, files: dict[str, bytes], snapshot: dict[str, str]) -> dict:
    """Freeze the pack: the files, the rows they came from, a manifest and an audit row."""
    if issued_manifest(kind, key):
        raise AlreadyIssued(f"The {kind} pack for {key} was already issued; it cannot change.")
    record = manifest(kind, key, files, snapshot)
    issued_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    body = {**record, "issued_at": issued_at.isoformat()}
    folder = issued_dir(kind, key)
    _write_atomically(
        folder,
        {
            **files,
            **{f"snapshot/{n}": text.encode() for n, text in snapshot.items()},
        },
        clear_others=False,
    )
    # The manifest goes last: its presence is what marks the pack as issued.
    (folder / "manifest.json").write_text(json.dumps(body, indent=2, sort_keys=True) + "\n")
    for path in folder.rglob("*"):
        if path.is_file():
            path.chmod(0o444)
    storage.upload(folder, [*files, *(f"snapshot/{n}" for n in snapshot)])
    storage.upload(folder, ["manifest.json"])  # last, as here
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(ISSUES_DDL)
        conn.execute(
            "insert into audit.report_issues (kind, period_key, content_sha256, manifest, path, "
            "issued_at) values (%s, %s, %s, %s, %s, %s)",
            (
                kind,
                key,
                record["content_sha256"],
                json.dumps(body),
                str(storage.published(folder)),
                issued_at,
            ),
        )
    return body


def verify(kind: str, key: str, files: dict[str, bytes]) -> list[str]:
    """Names of files that differ from the issued manifest (empty: byte-identical)."""
    record = issued_manifest(kind, key) or {"files": {}}
    expected = record["files"]
    differing = [n for n, content in files.items() if expected.get(n) != sha256(content)]
    return sorted(differing + [n for n in expected if n not in files])
