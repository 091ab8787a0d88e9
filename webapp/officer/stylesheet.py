"""The officer app's stylesheet: GOV.UK Frontend (node_modules/govuk-frontend) compiled with the
same sass, options and font stack as the public site (orchestration/lib/publishing/build.py).

Built when the app is set up (`make setup`) or started (`bdc web`), never while serving a
request and never from the network; recompiled only when govuk-frontend or the app's own
sources change. Django serves the result from BUILT_DIR (STATICFILES_DIRS; webapp/urls.py).

    python -m webapp.officer.stylesheet      # build it now
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCES = Path(__file__).parent / "scss"
# build/ is not in git and `make clean` empties it: the next start builds the stylesheet again.
BUILT_DIR = REPO_ROOT / "build" / "webapp" / "static"
STYLESHEET = BUILT_DIR / "officer" / "app.css"
STAMP = BUILT_DIR / "officer" / "app.css.sources"


class StylesheetError(RuntimeError):
    """The npm packages are missing or Sass refused the sources."""


def _digest() -> str:
    package = REPO_ROOT / "node_modules" / "govuk-frontend" / "package.json"
    if not package.exists():
        raise StylesheetError(
            "govuk-frontend is missing: run `npm ci` in the repository (make setup does)."
        )
    digest = hashlib.sha256(package.read_bytes())
    for source in sorted(SOURCES.rglob("*.scss")):
        digest.update(source.name.encode() + source.read_bytes())
    return digest.hexdigest()


def build(force: bool = False) -> Path:
    """Compile the stylesheet if its sources changed since the last build; its path."""
    digest = _digest()
    if not force and STYLESHEET.exists() and STAMP.exists() and STAMP.read_text() == digest:
        return STYLESHEET
    sass = REPO_ROOT / "node_modules" / ".bin" / "sass"
    if not sass.exists():
        raise StylesheetError("sass is missing: run `npm ci` in the repository (make setup does).")
    STYLESHEET.parent.mkdir(parents=True, exist_ok=True)
    partial = STYLESHEET.with_suffix(".css.partial")
    result = subprocess.run(
        [
            str(sass),
            "--pkg-importer=node",
            "--no-source-map",
            "--style=compressed",
            "--quiet-deps",
            str(SOURCES / "app.scss"),
            str(partial),
        ],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=False,
    )
    if result.returncode != 0:
        raise StylesheetError(f"Sass failed: {result.stderr.strip()[:400]}")
    # Replaced in one step, so a running app never serves half a file.
    partial.replace(STYLESHEET)
    STAMP.write_text(digest)
    return STYLESHEET


if __name__ == "__main__":
    try:
        sys.stdout.write(f"Officer app stylesheet: {build(force='--force' in sys.argv)}\n")
    except StylesheetError as error:
        sys.exit(str(error))
