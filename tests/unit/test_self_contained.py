"""The repository stands alone: no file reads or names a path outside it.

Every file git knows about (tracked, plus new files not yet added that .gitignore does not
exclude) is read line by line. A line fails when it:
- climbs above the repository in code: the parent of a repository-root variable (`REPO_ROOT`,
  `_REPO_ROOT`, `REPO`), a sibling folder joined onto a parent, or `Path(__file__)...parents[N]`
  / `.parent.parent...` with more levels than the file is deep;
- holds a relative path `../name` that lands outside the repository. It is resolved against the
  file's folder and, except in link targets (`](...)`, `href=`, `src=`, `url(`, `$schema=`)
  and in the public site's templates and builder (whose links are relative to the built
  site), against the repository root too, since commands, docs and config name paths from the
  root;
- names the absolute folder that holds the repository (a sibling folder of the clone);
- names DESIGN.md, which the repository does not have.

Binary files are skipped, and so is data/reference/ except its *.yml and *.md files:
data/reference/SOURCES.md describes the public repositories the data was read from (with
their own paths, such as `.../data/gis/...`) and is skipped too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
THIS_FILE = PurePosixPath(Path(__file__).resolve().relative_to(ROOT).as_posix())
# Paths relative to the built public site rather than to the repository.
SITE_PREFIXES = ("site/", "orchestration/lib/publishing/")
MISSING_DOCUMENTS = ("DESIGN.md",)

ROOT_PARENT = re.compile(
    r"\b_*(?:repo|repo_root|repo_dir|root|root_dir|project_root)\s*\.\s*(?:parent\b|parents\s*\[)",
    re.IGNORECASE,
)
SHARED_JOIN = re.compile(r"\.parents?(?:\s*\[\s*\d+\s*\])?\s*/\s*[\"']shared\b")
FILE_CHAIN = re.compile(
    r"__file__\s*\)?(?:\s*\.\s*(?:resolve|absolute)\(\))*"
    r"((?:\s*\.\s*(?:parent\b|parents\s*\[\s*\d+\s*\]))+)"
)
CHAIN_STEP = re.compile(r"parents\s*\[\s*(\d+)\s*\]|parent\b")
# `../name`, not preceded by a path character (so `.../data` and `a/../b` do not count).
RELATIVE = re.compile(r"(?<![\w.~/$-])((?:\.\./)+)([\w-][\w.-]*)")
# A link's target is relative to its file: markdown and HTML links, CSS url(), and the schema
# a YAML file names for editors (`# yaml-language-server: $schema=../schemas/x.schema.json`).
LINK_BEFORE = re.compile(
    r"(?:\]\(|(?:href|src)\s*=\s*[\"']?|url\(\s*[\"']?|\$schema=)$", re.IGNORECASE
)


def _inside(path: str, root: Path) -> bool:
    return Path(os.path.normpath(path)).is_relative_to(root)


def parent_references(line: str, relpath: PurePosixPath | str, root: Path = ROOT) -> list[str]:
    """What in `line` (of the file at `relpath` in the repository `root`) points outside it."""
    relpath = PurePosixPath(relpath)
    folder = root / relpath.parent
    found = []
    for match in ROOT_PARENT.finditer(line):
        found.append(f"the repository's parent ({match.group(0).strip()})")
    if SHARED_JOIN.search(line):
        found.append("a sibling folder joined onto a parent")
    for match in FILE_CHAIN.finditer(line):
        levels = sum(
            int(step.group(1)) + 1 if step.group(1) else 1
            for step in CHAIN_STEP.finditer(match.group(1))
        )
        if levels > len(relpath.parts):
            found.append(f"__file__ climbs {levels} levels; the file is {len(relpath.parts)} deep")
    site = str(relpath).startswith(SITE_PREFIXES)
    for match in RELATIVE.finditer(line):
        target = match.group(1) + match.group(2)
        link = LINK_BEFORE.search(line[: match.start()]) is not None
        bases = [folder] if link or site else [folder, root]
        if any(not _inside(str(base / target), root) for base in bases):
            found.append(f"{target} leaves the repository")
    outside = root.parent
    if len(outside.parts) > 1:  # the repository is not directly under "/"
        prefix = re.escape(outside.as_posix().rstrip("/") + "/")
        for match in re.finditer(prefix + r"([\w.-]+)", line):
            if match.group(1) != root.name:
                found.append(f"{match.group(0)} is outside the repository")
    for name in MISSING_DOCUMENTS:
        if name in line and not (root / name).exists():
            found.append(f"names {name}, which the repository does not have")
    return found


def _checked(relpath: str) -> bool:
    if relpath == str(THIS_FILE):  # its samples are bad lines on purpose
        return False
    if relpath.startswith("data/reference/"):
        path = PurePosixPath(relpath)
        return path.suffix in {".yml", ".yaml", ".md"} and path.name != "SOURCES.md"
    return True


def _text(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _files() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted({name for name in listed.split("\0") if name})


def test_no_file_reads_or_names_a_path_outside_the_repository():
    problems = []
    for relpath in _files():
        path = ROOT / relpath
        if not _checked(relpath) or not path.is_file():
            continue
        text = _text(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            for problem in parent_references(line, relpath):
                problems.append(f"{relpath}:{number}: {problem}: {line.strip()[:120]}")
    assert problems == [], "paths outside the repository:\n" + "\n".join(problems)


ROOT_SAMPLE = Path("/srv/checkout/repo")
# The bad samples are assembled from parts so that this file does not itself name the folder
# beside the repository or climb to it (the scan above reads this file too).
SIBLING = "shared"
UP = ".."
PARENT = ".parent"


@pytest.mark.parametrize(
    ("relpath", "line"),
    [
        ("orchestration/lib/x.py", f'DEFAULT = REPO_ROOT{PARENT} / "{SIBLING}" / "data"'),
        ("orchestration/lib/x.py", f"    return _REPO_ROOT{PARENT}"),
        ("tests/x.py", f'os.environ.get("X", REPO{PARENT} / "{SIBLING}")'),
        ("tests/unit/x.py", f'SPEC = HERE{PARENT}{PARENT} / "{SIBLING}" / "spec"'),
        ("tests/unit/x.py", "ROOT = Path(__file__).resolve().parents[3]"),
        ("a/b.py", "ROOT = Path(__file__).parent.parent.parent"),
        ("orchestration/lib/x.py", f'FOLDER = Path("{UP}/{SIBLING}")'),
        ("orchestration/lib/x.py", "folder = '../data'"),
        ("docs/x.md", f"the folder beside it (`{UP}/{SIBLING}/data/public/`)"),
        ("docs/x.md", "see [the notes](../../notes.md)"),
        ("README.md", "see [the design](../DESIGN.md)"),
        ("config/x.yml", "path: ../../elsewhere/file.csv"),
        ("docs/x.md", "outputs are in /srv/checkout/notes/bench20 on this machine"),
        ("docs/x.md", f"read /srv/checkout/{SIBLING}/spec"),
        ("docs/x.md", 'as DESIGN.md "Measures" says'),
    ],
)
def test_the_detector_flags_a_path_outside_the_repository(relpath, line):
    assert parent_references(line, relpath, ROOT_SAMPLE) != []


@pytest.mark.parametrize(
    ("relpath", "line"),
    [
        ("orchestration/lib/publishing/build.py", 'root="../" * depth, path=path'),
        ("site/templates/area.html", '<a href="../../wards/{{ w.ward_code }}/index.html">'),
        ("site/scss/site.scss", '  $govuk-assets-path: "../assets/",'),
        ("docs/x.md", "see [the quick start](../README.md)"),
        ("docs/x.md", "the cases (tests/fixtures/spc/README.md, decision A.9)"),
        ("orchestration/lib/x.py", "REPO_ROOT = Path(__file__).resolve().parents[2]"),
        ("tests/unit/lib/conftest.py", "HERE = Path(__file__).resolve().parent"),
        ("tests/x.py", "assert (report.parent / path.name).exists()"),
        ("tests/x.py", "assert result.report_path.parent.joinpath(path.name).exists()"),
        ("data/reference/x.md", "from owner/repo `.../data/gis/file.csv.gz`"),
        ("docs/x.md", "the warehouse at /srv/checkout/repo/.warehouse"),
    ],
)
def test_the_detector_allows_paths_inside_the_repository(relpath, line):
    assert parent_references(line, relpath, ROOT_SAMPLE) == []
