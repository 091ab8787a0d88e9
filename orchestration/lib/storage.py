"""The landing zone and the outputs as URLs: a local folder, or object storage through fsspec.

`BDC_LANDING_URL` and `BDC_OUTPUT_URL` (orchestration/lib/environment.py) are `file://` URLs of
local folders by default; `s3://`, `az://` or `gs://` put them on object storage. A local
location is a plain `pathlib.Path`, handled exactly as before; anything else is a
`upath.UPath` over the fsspec filesystem of its scheme (s3fs for s3://; adlfs for az://,
gcsfs for gs://, which a deployment adds). Credentials come from each library's own
environment (AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL...; docs/landing.md).

Outputs are built in the local folder `environment.output_dir()` (WeasyPrint, the site's atomic
swap and the packs' immutability all want a local disk) and then uploaded to the output URL
(`mirror`, `upload`). Reading a landing object streams it once, checksumming as it goes.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from orchestration.lib import checksums, environment

PIECE = 8 << 20  # bytes read from object storage per request

# The package that serves each scheme, for the message when it is missing.
PACKAGES = {"s3": "s3fs", "s3a": "s3fs", "az": "adlfs", "abfs": "adlfs", "gs": "gcsfs"}
MD5_ETAG = re.compile(r'^"?([0-9a-f]{32})"?$')


class StorageSetupError(RuntimeError):
    """A landing or output URL this installation cannot open."""


def location(url: str):
    """A local folder (`file://` URL or plain path) as a Path; object storage as a UPath.

    Listings are never cached: the landing rules compare two looks, so each look must be fresh.
    """
    parts = urlsplit(url)
    if parts.scheme in ("", "file"):
        return environment.local_folder(url)
    import fsspec
    from upath import UPath

    try:
        fsspec.get_filesystem_class(parts.scheme)
    except (ImportError, ValueError) as error:
        package = PACKAGES.get(parts.scheme)
        advice = f"install {package} (pip install {package})" if package else "check the URL"
        raise StorageSetupError(
            f"{url}: this installation cannot open {parts.scheme}:// locations; {advice}"
        ) from error
    return UPath(url, use_listings_cache=False)


def landing():
    """The landing zone: landing/<source>/ holds a source's files."""
    return location(environment.landing_url())


def output():
    """Where outputs end up (the quarantine, the site, the report packs)."""
    return location(environment.output_url())


def quarantine():
    return environment.quarantine_dir() if is_local(output()) else output() / "quarantine"


def is_local(path) -> bool:
    return isinstance(path, Path) and not hasattr(path, "fs")


def as_path(value):
    """A landing file named by a caller: a Path for local files, a UPath for objects."""
    if hasattr(value, "fs"):
        return value
    text = str(value)
    if "://" in text:
        return location(text)
    return Path(value)


@dataclass(frozen=True)
class Stat:
    """What the store says of an object now (never a cached listing)."""

    size: int
    mtime_ns: int
    etag: str  # the store's version of the content (empty on a local disk)


def stat(path) -> Stat:
    """A fresh look at one file or object (FileNotFoundError when it has gone)."""
    if is_local(path):
        result = path.stat(follow_symlinks=False)
        return Stat(result.st_size, result.st_mtime_ns, "")
    path.fs.invalidate_cache(path.path)
    info = path.fs.info(path.path)
    if info.get("type") == "directory":
        raise IsADirectoryError(str(path))
    etag = str(info.get("ETag") or info.get("etag") or info.get("md5Hash") or "")
    return Stat(int(info.get("size") or 0), _mtime_ns(info), etag)


# Each store's name for an object's modification time (s3fs, adlfs, gcsfs).
MTIME_KEYS = ("LastModified", "last_modified", "mtime", "updated")


def _mtime_ns(info: dict) -> int:
    for key in MTIME_KEYS:
        value = info.get(key)
        if isinstance(value, str):
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if isinstance(value, datetime):
            value = value.timestamp() if value.tzinfo else value.replace(tzinfo=UTC).timestamp()
        if isinstance(value, int | float):
            return int(value * 1_000_000_000)
    raise StorageSetupError(f"{info.get('name')}: the store gives no modification time")


def files_in(folder) -> list:
    """The files directly in an object-storage folder (sub-folders are not entered), by name."""
    fs = folder.fs
    fs.invalidate_cache(folder.path)
    try:
        listing = fs.ls(folder.path, detail=True)
    except FileNotFoundError:
        return []
    names = sorted(
        info["name"].rstrip("/").rsplit("/", 1)[-1]
        for info in listing
        if info.get("type") == "file" and info["name"].rstrip("/") != folder.path.rstrip("/")
    )
    return [folder / name for name in names]


def read_bytes_and_checksum(path) -> tuple[bytes, str]:
    """An object's bytes, read once in pieces, with their SHA-256 computed as they stream."""
    digest = hashlib.sha256()
    buffer = io.BytesIO()
    with path.open("rb", block_size=PIECE, cache_type="none") as handle:
        for piece in iter(lambda: handle.read(PIECE), b""):
            digest.update(piece)
            buffer.write(piece)
    return buffer.getvalue(), digest.hexdigest()


def sha256(path) -> str:
    """The SHA-256 of a file or object, streamed (nothing kept in memory)."""
    if is_local(path):
        return checksums.sha256_file(path)
    digest = hashlib.sha256()
    with path.open("rb", block_size=PIECE, cache_type="none") as handle:
        for piece in iter(lambda: handle.read(PIECE), b""):
            digest.update(piece)
    return digest.hexdigest()


def make_folder(folder) -> None:
    """A local folder is created; object storage has no folders (keys make them)."""
    if is_local(folder):
        folder.mkdir(parents=True, exist_ok=True)


def _same_store(first, second) -> bool:
    return (
        not is_local(first)
        and not is_local(second)
        and first.protocol == second.protocol
        and dict(first.storage_options) == dict(second.storage_options)
    )


def move(source, target) -> None:
    """Move a file whole: a rename on one disk, a server-side copy and delete within one store,
    else a streamed copy then a delete of the original."""
    if is_local(source) and is_local(target):
        shutil.move(str(source), target)
        return
    if _same_store(source, target):
        source.fs.mv(source.path, target.path)
        return
    if is_local(target):
        target.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as reader, target.open("wb") as writer:
        shutil.copyfileobj(reader, writer, PIECE)
    if is_local(source):
        source.unlink()
    else:
        source.fs.rm(source.path)


def published(local: Path):
    """Where a file or folder built under the local output folder ends up: itself when the
    output URL is local, else the same relative place under BDC_OUTPUT_URL."""
    root = output()
    if is_local(root):
        return local
    try:
        relative = Path(local).resolve().relative_to(environment.output_dir())
    except ValueError:
        return local  # built somewhere else on purpose (e.g. `--out`): stays there
    return root.joinpath(*relative.parts)


def _unchanged(local: Path, info: dict | None) -> bool:
    """The object already holds the local file's bytes (known only for plain MD5 ETags)."""
    if info is None or int(info.get("size", -1)) != local.stat().st_size:
        return False
    match = MD5_ETAG.match(str(info.get("ETag", "")))
    # MD5 because S3's ETag of a single-part upload is the MD5 of its bytes (not for security).
    return bool(match) and hashlib.md5(local.read_bytes()).hexdigest() == match.group(1)


def upload(folder: Path, names: list[str], *, clear_others: bool = False):
    """Upload the named files (paths relative to the local folder) to the folder's published
    place; with clear_others, remove the other files directly in it there (as
    reporting.freeze does locally). Nothing happens when the output URL is local."""
    target = published(folder)
    if is_local(target):
        return target
    fs, root = target.fs, target.path.rstrip("/")
    existing = _remote_files(fs, root)
    wanted = {name: folder / name for name in names}
    changed = [name for name, path in wanted.items() if not _unchanged(path, existing.get(name))]
    if changed:
        fs.put([str(wanted[name]) for name in changed], [f"{root}/{name}" for name in changed])
    if clear_others:
        stale = [name for name in existing if "/" not in name and name not in wanted]
        if stale:
            fs.rm([f"{root}/{name}" for name in stale])
    return target


def mirror(folder: Path):
    """Make the folder's published place hold exactly what the local folder holds: new and
    changed files uploaded first, then what the folder no longer has removed, so pages never
    link to files that are not there yet."""
    target = published(folder)
    if is_local(target):
        return target
    names = sorted(
        path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()
    )
    fs, root = target.fs, target.path.rstrip("/")
    upload(folder, names)
    keep = set(names)
    stale = [name for name in _remote_files(fs, root) if name not in keep]
    if stale:
        fs.rm([f"{root}/{name}" for name in stale])
    return target


def _remote_files(fs, root: str) -> dict[str, dict]:
    """Every object under a prefix, by its name relative to the prefix."""
    fs.invalidate_cache(root)
    try:
        found = fs.find(root, detail=True)
    except FileNotFoundError:
        return {}
    prefix = root + "/"
    return {
        name[len(prefix) :]: info
        for name, info in found.items()
        if name.startswith(prefix) and info.get("type", "file") == "file"
    }
