"""The files of node_modules/ the running platform reads, copied into a folder of their own: the
image's runtime has these and no npm, Node or Sass (Containerfile, build stage).

- GOV.UK Frontend's package.json: the stylesheets' code (orchestration/lib/publishing/build.py,
  webapp/officer/stylesheet.py) compares it with the one the compiled CSS was made from.
- The files the Data Docs bundle so that their pages open offline (VENDORED in
  orchestration/lib/quality/data_docs.py), each package with its package.json (its version and
  licence go into the pages' notice).

    python deploy/runtime_npm_files.py node_modules /opt/node-runtime

The list comes from the code that reads the files, so a package it adds is kept without an edit
here.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ALWAYS = ["govuk-frontend/package.json"]


def runtime_files() -> list[str]:
    """Paths under node_modules/ that code of the platform reads at run time."""
    from orchestration.lib.quality.data_docs import VENDORED

    files = list(ALWAYS)
    for package, listed in VENDORED.values():
        files.append(f"{package}/package.json")
        files += [f"{package}/{name}" for name in listed]
    return sorted(set(files))


def copy(source: Path, target: Path) -> list[str]:
    """Copy the runtime files from the node_modules folder `source` into `target`; the paths
    copied. A file missing from `source` stops it, naming the file."""
    missing = [name for name in runtime_files() if not (source / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{source} lacks {', '.join(missing)}: run `npm ci` (package.json pins them)."
        )
    copied = []
    for name in runtime_files():
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / name, destination)
        copied.append(name)
    return copied


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: runtime_npm_files.py NODE_MODULES TARGET")
    try:
        done = copy(Path(sys.argv[1]), Path(sys.argv[2]))
    except FileNotFoundError as error:
        sys.exit(str(error))
    sys.stdout.write(f"{len(done)} files of node_modules kept for the runtime\n")
