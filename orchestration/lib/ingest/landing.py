"""The landing folders: which entries a run takes up, which it refuses unread, and which are
still being written.

landing/<source>/ holds a source's files (CSV or XLSX), in a local folder or under an object
storage prefix (BDC_LANDING_URL, orchestration/lib/storage.py). Links and paths leading out of
the folder are refused without reading them (object storage has neither); a file counts as
complete once it stays the same across two looks; content loaded, superseded, withdrawn or
refused before is not loaded again.
"""

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from orchestration.lib import storage
from orchestration.lib.ingest.load_audit import seen_checksums

LANDING_SUFFIXES = {".csv", ".xlsx"}


# Names a sender gives a file while it is still being written (then renamed into place).
TEMPORARY_NAME = re.compile(r"^(?:\.|~\$)|\.(?:part|partial|tmp|crdownload|filepart)$", re.I)


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


def source_for(path: Path) -> str:
    """A landing file's source is the name of its folder: landing/<source>/<file>."""
    return path.resolve().parent.name if storage.is_local(path) else path.parent.name


def settle_seconds() -> float:
    """How long a file must stay unchanged before it counts as complete."""
    return float(os.environ.get("BDC_LANDING_SETTLE_SECONDS", "2"))


def signature(path: Path) -> tuple[int, int]:
    """Size and modification time in nanoseconds (an object's last upload), looked at afresh."""
    look = storage.stat(path)
    return look.size, look.mtime_ns


def _is_landing_name(name: str) -> bool:
    return not TEMPORARY_NAME.search(name) and Path(name).suffix.lower() in LANDING_SUFFIXES


def landing_entries(source: str) -> tuple[list[Path], list[Refused]]:
    """The source's landing files (CSV or XLSX, not temporary names) and the entries refused
    unread: symbolic links, and anything that resolves outside the source's folder. On object
    storage, the objects directly under landing/<source>/ (a multipart upload in progress is
    not an object yet)."""
    folder = storage.landing() / source
    if not storage.is_local(folder):
        return [path for path in storage.files_in(folder) if _is_landing_name(path.name)], []
    if not folder.is_dir():
        return [], []
    home = folder.resolve()
    files, refused = [], []
    for path in sorted(folder.iterdir()):
        if not _is_landing_name(path.name):
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


def complete_files(paths: list[Path], settle: float | None = None) -> tuple[list[Path], list[Path]]:
    """The files that stay the same size and age across two looks at least `settle` seconds
    after their last change, and those still being written. A file written in one go and
    left alone passes at once; a young file is looked at again when it is `settle` old. An
    object must also keep its ETag, and two looks `settle` apart suffice for it, whatever the
    store's clock says of its age."""
    settle = settle_seconds() if settle is None else settle
    first = {path: storage.stat(path) for path in paths}
    youngest = max((look.mtime_ns for look in first.values()), default=0)
    wait = settle - (time.time_ns() - youngest) / 1e9
    looked = time.monotonic()
    if paths and wait > 0:
        time.sleep(min(wait, settle))
    apart = time.monotonic() - looked >= settle
    now = time.time_ns()
    complete, arriving = [], []
    for path in paths:
        try:
            second = storage.stat(path)
        except FileNotFoundError:
            continue  # moved away (renamed into place under another name) meanwhile
        old_enough = (now - second.mtime_ns) / 1e9 >= settle
        settled = second == first[path] and (old_enough or (apart and not storage.is_local(path)))
        (complete if settled else arriving).append(path)
    return complete, arriving


def scan_landing(url: str, source: str) -> LandingScan:
    """The source's landing files to load now, oldest arrival first, so that the newest
    version of a period is loaded last and supersedes the others. Content seen before (loaded,
    superseded by a later version, withdrawn or refused) is never loaded again by a run: one
    query for the lot."""
    files, refused = landing_entries(source)
    complete, arriving = complete_files(files)
    digests = {path: storage.sha256(path) for path in complete}
    with psycopg.connect(url) as conn:
        seen = seen_checksums(conn, source, list(digests.values()))
    fresh = [path for path in complete if digests[path] not in seen]
    fresh.sort(key=lambda path: (signature(path)[1], path.name))
    return LandingScan(fresh, len(complete) - len(fresh), refused, arriving)
