"""SHA-256 checksums as hex text: of a file (read in pieces), or of bytes or text in memory.

The one way the platform names content: landing files and reference snapshots in the audit
and the manifest, issued report packs, the state a quality suite relies on.
"""

import hashlib
from pathlib import Path

PIECE = 1 << 20


def sha256(content: bytes | str) -> str:
    """The checksum of bytes, or of text as UTF-8."""
    if isinstance(content, str):
        content = content.encode()
    return hashlib.sha256(content).hexdigest()


def sha256_file(path: Path) -> str:
    """The checksum of a file's bytes, read a mebibyte at a time (files may be large)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for piece in iter(lambda: handle.read(PIECE), b""):
            digest.update(piece)
    return digest.hexdigest()
