"""The manifest of the reference snapshot: what each file is, where it came from, its checksum.

`data/reference/manifest.yml` lists every file the platform loads from the snapshot with its
publisher, title, edition, official address, carrier repository, licence, retrieval date,
sha256, row count and the loader (raw table) that reads it. The loaders refuse a file whose
checksum differs from the manifest, so what is loaded is always what the manifest describes;
`bdc reference update` is the one way to change a file and its entry together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path

import yaml

from orchestration.lib import checksums
from orchestration.lib.ingest.reference.errors import ReferenceFormatError

MANIFEST_NAME = "manifest.yml"
# Files in the snapshot folder that describe it rather than being data.
DOCUMENTS = frozenset({MANIFEST_NAME, "SOURCES.md", "NOTICE"})


@dataclass(frozen=True)
class Entry:
    """One file of the snapshot and its provenance."""

    path: str
    loader: str
    publisher: str
    title: str
    edition: str
    official_url: str
    download_url: str | None
    carrier: str
    licence: str
    attribution: str
    retrieved: str
    sha256: str
    rows: int


_FIELDS = tuple(field.name for field in fields(Entry) if field.name != "path")


def data_rows(path: Path) -> int:
    """Rows of a CSV after its header (quoted line breaks counted as one row)."""
    import csv

    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        return max(sum(1 for _ in csv.reader(handle)) - 1, 0)


def load(reference_dir: Path) -> dict[str, Entry]:
    """Every entry of the folder's manifest, by path; ReferenceFormatError if it is unusable."""
    path = Path(reference_dir) / MANIFEST_NAME
    if not path.is_file():
        raise ReferenceFormatError(
            f"The reference folder {reference_dir} has no {MANIFEST_NAME}: every folder of "
            "published files needs one (see data/reference/manifest.yml)."
        )
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = {}
    for relative_path, values in (document.get("files") or {}).items():
        missing = [name for name in _FIELDS if name not in (values or {})]
        if missing:
            raise ReferenceFormatError(
                f"{MANIFEST_NAME}: the entry for {relative_path} lacks {', '.join(missing)}."
            )
        entries[relative_path] = Entry(
            path=relative_path,
            **{name: values[name] for name in _FIELDS if name not in {"retrieved", "rows"}},
            retrieved=str(values["retrieved"]),
            rows=int(values["rows"]),
        )
    return entries


def for_loader(reference_dir: Path, loader: str) -> list[Entry]:
    return [entry for entry in load(reference_dir).values() if entry.loader == loader]


def problems(reference_dir: Path) -> list[str]:
    """Each way the folder differs from its manifest, one sentence each (empty: it matches)."""
    folder = Path(reference_dir)
    entries = load(folder)
    found = []
    for relative_path, entry in entries.items():
        path = folder / relative_path
        if not path.is_file():
            found.append(f"{relative_path} is listed in {MANIFEST_NAME} but missing.")
            continue
        actual = checksums.sha256_file(path)
        if actual != entry.sha256:
            found.append(
                f"{relative_path} has sha256 {actual}, not the {entry.sha256} in {MANIFEST_NAME}."
            )
        elif path.suffix == ".csv" and data_rows(path) != entry.rows:
            found.append(
                f"{relative_path} has {data_rows(path)} rows, not the {entry.rows} "
                f"in {MANIFEST_NAME}."
            )
    for path in sorted(folder.rglob("*")):
        relative_path = path.relative_to(folder).as_posix()
        if path.is_file() and relative_path not in entries and path.name not in DOCUMENTS:
            found.append(f"{relative_path} is in the folder but not listed in {MANIFEST_NAME}.")
    return found


def require_listed(reference_dir: Path, relative_paths: list[str] | tuple[str, ...]) -> None:
    """Raise ReferenceFormatError unless each file is listed and matches its checksum."""
    entries = load(reference_dir)
    for relative_path in relative_paths:
        entry = entries.get(relative_path)
        if entry is None:
            raise ReferenceFormatError(
                f"Reference file {relative_path} is not listed in {MANIFEST_NAME}."
            )
        path = Path(reference_dir) / relative_path
        if not path.is_file():
            raise ReferenceFormatError(
                f"Reference file {relative_path} is missing from {reference_dir}."
            )
        if checksums.sha256_file(path) != entry.sha256:
            raise ReferenceFormatError(
                f"Reference file {relative_path} differs from the copy {MANIFEST_NAME} "
                "describes (sha256); restore it, or replace it with `bdc reference update`."
            )


def record(reference_dir: Path, relative_path: str, *, digest: str, rows: int, retrieved: str):
    """Rewrite one entry's sha256, rows and retrieved date in place, keeping the file's
    comments and layout (the manifest is read by people as well as by the loaders)."""
    path = Path(reference_dir) / MANIFEST_NAME
    text = path.read_text(encoding="utf-8")
    start = text.find(f"\n  {relative_path}:\n")
    if start < 0:
        raise ReferenceFormatError(f"{relative_path} is not listed in {MANIFEST_NAME}.")
    following = re.search(r"\n  \S", text[start + 1 :])
    end = start + 1 + following.start() if following else len(text)
    block = text[start:end]
    for name, value in (("sha256", digest), ("rows", str(rows)), ("retrieved", retrieved)):
        block, count = re.subn(rf"(\n    {name}: ).*", rf"\g<1>{value}", block, count=1)
        if count != 1:
            raise ReferenceFormatError(f"{MANIFEST_NAME}: {relative_path} has no {name} line.")
    # Written beside and renamed over, so a crash never leaves half a manifest.
    partial = path.with_name(f".{MANIFEST_NAME}.partial")
    partial.write_text(text[:start] + block + text[end:], encoding="utf-8")
    partial.replace(path)
