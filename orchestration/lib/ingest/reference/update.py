"""`bdc reference update`: replace snapshot files with newer copies, only if the loaders read them.

For each file listed in the snapshot's manifest.yml (or only those of one loader), the new copy
is downloaded from a mirror of extracts (`--from BASE_URL` or BDC_REFERENCE_MIRROR:
BASE_URL/<the file's path in the snapshot>) or else from the entry's `download_url`. The copy
replaces the file only when

1. it is a CSV extract (UTF-8 text, not a web page, spreadsheet or archive),
2. the file's loader still reads it, together with the loader's other current files, and gives
   the columns and types of its raw table, and
3. it differs from the file the manifest describes;

then the file is replaced atomically and its manifest entry gets the new sha256, rows and
retrieval date (`manifest.record`). A refused or unreachable copy leaves the file and the
manifest exactly as they were. Only http and https addresses are followed.

    from orchestration.lib.ingest.reference import update
    for outcome in update.update(Path("data/reference"), source="stats_recycling",
                                 base_url="http://127.0.0.1:8000/"):
        print(outcome.line())
"""

from __future__ import annotations

import codecs
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date
from http.client import HTTPException
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

from orchestration.lib import checksums, environment
from orchestration.lib.ingest.reference import PARSERS, manifest, validate_frame
from orchestration.lib.ingest.reference.errors import ReferenceFormatError

SCHEMES = frozenset({"http", "https"})
DEFAULT_TIMEOUT = 30.0
# Far above any extract (the largest is a few MB); a bigger answer is not one of them.
MAX_BYTES = 256 * 1024 * 1024
_BLOCK = 1 << 20
USER_AGENT = "bdc-reference-update (Bromsgrove Dashboard performance platform)"

UPDATED = "updated"
UNCHANGED = "unchanged"
REFUSED = "refused"
OFFLINE = "offline"  # the address could not be reached at all (no connection, refused, timeout)
UNAVAILABLE = "unavailable"  # the server answered, but with an error (404, 500, a cut-off file)
NO_ADDRESS = "no address"

# (signature, what it is) of the binary formats the publishers use: the loaders read CSV only.
_BINARY_SIGNATURES = (
    (b"PK\x03\x04", "a zip archive (or an xlsx/ods spreadsheet)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel (xls) workbook"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
)


class UpdateError(ValueError):
    """The update cannot start (an unknown source, a mirror address that is not http/https);
    `option` is the command-line option at fault."""

    def __init__(self, message: str, option: str):
        super().__init__(message)
        self.option = option


@dataclass(frozen=True)
class Outcome:
    """What happened to one file of the snapshot."""

    path: str
    loader: str
    status: str
    reason: str = ""
    url: str | None = None
    sha256: str | None = None
    rows: int | None = None

    @property
    def failed(self) -> bool:
        """Refused or not downloaded: the command should exit non-zero."""
        return self.status in {REFUSED, OFFLINE, UNAVAILABLE}

    def line(self) -> str:
        """The one line `bdc reference update` prints for this file."""
        if self.status == UPDATED:
            return f"updated {self.path} (sha256 {self.sha256[:8]}…, {self.rows} rows)"
        if self.status == UNCHANGED:
            return f"unchanged {self.path}"
        if self.status == REFUSED:
            return f"refused {self.path}: {self.reason}; the current file is kept"
        if self.status in {OFFLINE, UNAVAILABLE}:
            return f"could not reach {self.url} for {self.path}: {self.reason}; nothing changed"
        return f"no address for {self.path}: {self.reason}"


def offline(outcomes: list[Outcome]) -> bool:
    """True when something was to be downloaded and every download failed for want of a
    connection: the sources (or the network) are out of reach and nothing was changed."""
    tried = [outcome for outcome in outcomes if outcome.status != NO_ADDRESS]
    return bool(tried) and all(outcome.status == OFFLINE for outcome in tried)


def sources(reference_dir: Path) -> list[str]:
    """The loaders (raw tables) the folder's manifest names, for --source."""
    return sorted({entry.loader for entry in manifest.load(reference_dir).values()})


def update(
    reference_dir: Path,
    source: str | None = None,
    base_url: str | None = None,
    today: date | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[Outcome]:
    """Try to update each listed file (only `source`'s when given); one Outcome per file."""
    folder = Path(reference_dir)
    entries = list(manifest.load(folder).values())
    if source is not None:
        known = sorted({entry.loader for entry in entries})
        if source not in known:
            raise UpdateError(
                f"Unknown source {source!r}: the sources in {folder / manifest.MANIFEST_NAME} "
                f"are {', '.join(known)}.",
                "--source",
            )
        entries = [entry for entry in entries if entry.loader == source]
    base_url = base_url or environment.reference_mirror()
    if base_url is not None and urlsplit(base_url).scheme.lower() not in SCHEMES:
        raise UpdateError(
            f"The mirror address {base_url!r} is not an http or https address; only those are "
            "followed (serve a folder of extracts with, say, `python -m http.server`).",
            "--from",
        )
    retrieved = (today or date.today()).isoformat()
    opener = _opener()
    return [_update_one(folder, entry, base_url, retrieved, timeout, opener) for entry in entries]


def _address(entry: manifest.Entry, base_url: str | None) -> str | None:
    if base_url is not None:
        return base_url.rstrip("/") + "/" + quote(entry.path, safe="/")
    return entry.download_url or None


def _update_one(
    folder: Path,
    entry: manifest.Entry,
    base_url: str | None,
    retrieved: str,
    timeout: float,
    opener: urllib.request.OpenerDirector,
) -> Outcome:
    url = _address(entry, base_url)

    def outcome(status: str, reason: str = "", **values) -> Outcome:
        return Outcome(entry.path, entry.loader, status, reason, url, **values)

    if url is None:
        return outcome(
            NO_ADDRESS,
            f"the publisher's page is {entry.official_url}; use --from with a mirror of extracts",
        )
    scheme = urlsplit(url).scheme.lower()
    if scheme not in SCHEMES:
        return outcome(REFUSED, f"{url} is not an http or https address; only those are followed")

    target = folder / entry.path
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    candidate = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            try:
                content_type = _download(opener, url, out, timeout)
            except _Unreachable as error:
                return outcome(error.status, error.reason)
            except _Refused as error:
                return outcome(REFUSED, str(error))
        problem = _not_an_extract(candidate, content_type) or _unreadable(folder, entry, candidate)
        if problem:
            return outcome(REFUSED, problem)
        digest = checksums.sha256_file(candidate)
        if digest == entry.sha256 and target.is_file() and checksums.sha256_file(target) == digest:
            return outcome(UNCHANGED, sha256=digest, rows=entry.rows)
        rows = manifest.data_rows(candidate)
        _replace(folder, entry.path, candidate, digest=digest, rows=rows, retrieved=retrieved)
        return outcome(UPDATED, sha256=digest, rows=rows)
    finally:
        candidate.unlink(missing_ok=True)


class _Unreachable(Exception):
    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class _Refused(Exception):
    pass


class _SchemeCheckingRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to other http and https addresses (the standard handler would
    also follow ftp:, and answers file: with an HTTP error rather than a refusal)."""

    def http_error_302(self, req, fp, code, msg, headers):
        location = headers.get("Location") or headers.get("URI")
        if location:
            target = urljoin(req.full_url, location)
            if urlsplit(target).scheme.lower() not in SCHEMES:
                fp.close()
                raise _Refused(
                    f"{req.full_url} redirected to {target}, which is not an http or https "
                    "address; only those are followed"
                )
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def _opener() -> urllib.request.OpenerDirector:
    """An opener that speaks http and https only (no file:, ftp: or data: handlers)."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.UnknownHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        _SchemeCheckingRedirects(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    opener.addheaders = [("User-Agent", USER_AGENT)]
    return opener


def _download(opener: urllib.request.OpenerDirector, url: str, out, timeout: float) -> str:
    """Write url's body to out; return its Content-Type. _Unreachable if it cannot be had."""
    try:
        response = opener.open(url, timeout=timeout)
    except urllib.error.HTTPError as error:
        reason = f"the server answered HTTP {error.code} {error.reason}"
        raise _Unreachable(UNAVAILABLE, reason) from error
    except urllib.error.URLError as error:
        if isinstance(error.reason, str) and "unknown url type" in error.reason:
            raise _Refused(
                f"{url} is not an http or https address; only those are followed"
            ) from error
        reason = f"the address could not be reached ({error.reason})"
        raise _Unreachable(OFFLINE, reason) from error
    except TimeoutError as error:
        reason = f"the address could not be reached (timed out after {timeout:g} s)"
        raise _Unreachable(OFFLINE, reason) from error
    except (OSError, HTTPException) as error:
        reason = f"the address could not be reached ({error!r})"
        raise _Unreachable(OFFLINE, reason) from error
    with response:
        content_type = response.headers.get("Content-Type", "") or ""
        size = 0
        while True:
            try:
                block = response.read(_BLOCK)
            except (OSError, HTTPException) as error:
                reason = f"the download broke off ({error!r})"
                raise _Unreachable(UNAVAILABLE, reason) from error
            if not block:
                break
            size += len(block)
            if size > MAX_BYTES:
                raise _Refused(
                    f"{url} is larger than {MAX_BYTES // (1024 * 1024)} MB, far more than any "
                    "extract; it is not one"
                )
            out.write(block)
    return content_type


def _not_an_extract(candidate: Path, content_type: str) -> str | None:
    """Why the downloaded file is not a CSV extract (None: it is UTF-8 text that is no web page)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind in {"text/html", "application/xhtml+xml"}:
        return (
            f"the address gave a web page ({kind}), not a CSV extract; "
            "it is probably the publisher's page rather than the file"
        )
    with candidate.open("rb") as handle:
        start = handle.read(4096)
    if not start:
        return "the downloaded file is empty"
    for signature, what in _BINARY_SIGNATURES:
        if start.startswith(signature):
            return (
                f"the downloaded file is {what}, not a CSV extract; the loaders read CSV "
                "extracts made from the official files (data/reference/SOURCES.md says how), "
                "so use --from with a mirror of extracts"
            )
    opening = start.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if opening.startswith((b"<!doctype", b"<html", b"<?xml")):
        return (
            "the downloaded file is a web page (HTML), not a CSV extract; "
            "it is probably the publisher's page rather than the file"
        )
    decoder = codecs.getincrementaldecoder("utf-8")()
    with candidate.open("rb") as handle:
        try:
            for block in iter(lambda: handle.read(_BLOCK), b""):
                if b"\x00" in block:
                    raise UnicodeDecodeError("utf-8", block, 0, 1, "NUL byte")
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return (
                "the downloaded file is not UTF-8 text (a spreadsheet, archive or other binary "
                "file?), not a CSV extract; the loaders read CSV extracts"
            )
    return None


def _unreadable(folder: Path, entry: manifest.Entry, candidate: Path) -> str | None:
    """The loader's message if it cannot read its current files with the candidate in place
    of this one (None: it reads them and gives its table's columns and types)."""
    parser = PARSERS.get(entry.loader)
    if parser is None:
        return (
            f"its loader {entry.loader!r} is not one of the reference parsers "
            f"({', '.join(sorted(PARSERS))}), so the new copy cannot be checked"
        )
    if entry.path not in parser.files:
        return f"the {entry.loader} loader does not read {entry.path}, so it cannot be checked"
    with tempfile.TemporaryDirectory(prefix="bdc-reference-check-") as scratch:
        trial = Path(scratch)
        for relative_path in parser.files:
            source = candidate if relative_path == entry.path else folder / relative_path
            if not source.is_file():
                continue  # the loader names the missing file itself
            destination = trial / relative_path
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
        try:
            validate_frame(parser.parse(trial), parser)
        except (ReferenceFormatError, ValueError, KeyError) as error:
            return f"the {entry.loader} loader cannot read it: {error}"
    return None


def _replace(
    folder: Path, relative_path: str, candidate: Path, *, digest: str, rows: int, retrieved: str
) -> None:
    """Put the candidate in place and record it in the manifest; if the manifest cannot be
    written, put the old file back so the two still agree."""
    target = folder / relative_path
    backup = None
    if target.is_file():
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent)
        os.close(handle)
        backup = Path(name)
        shutil.copy2(target, backup)
    try:
        os.replace(candidate, target)
        try:
            manifest.record(folder, relative_path, digest=digest, rows=rows, retrieved=retrieved)
        except BaseException:
            if backup is not None:
                os.replace(backup, target)
            else:
                target.unlink(missing_ok=True)
            raise
    finally:
        if backup is not None:
            backup.unlink(missing_ok=True)
