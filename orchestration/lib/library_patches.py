"""The version guard of every patch on a pinned library's private internals.

Six patches change how a pinned library works inside (five for speed, one for accessibility);
each is a `Patch` beside its code, with a comment saying what it changes, why and for which
versions:

    POOLED_EVENT_LOG      lib/dagster/storage.py         dagster's SQLite event log keeps its
                                                         connections
    SKIPPED_DBT_STARTUP   lib/dbt/resources.py           dagster-dbt asks no `dbt --version` and
                                                         builds no dbt adapter
    PIECED_CONTENT_XML    lib/publishing/downloads.py    stream-write-ods encodes in 64 kB pieces
    COUNTED_ROW_QUERIES   lib/quality/gx_library.py      GX counts a row query's rows for pass or
                                                         fail instead of also fetching them
    DEFERRED_SCIPY_STATS  lib/quality/gx_library.py      GX's import leaves scipy.stats until used
    PDF_UA_TAGS           lib/reporting/tagging.py       WeasyPrint's PDFs get header-cell scopes
                                                         and decorative icons as artifacts

A patch is used only with the versions it was written for and tested with (the pins in
pyproject.toml) and while every private name it relies on is there. Otherwise the library's own
behaviour is used and a PatchSkippedWarning says once which patch and why: after an upgrade, read
the patch against the new version, run its test, and widen its range.
"""

import importlib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


class PatchSkippedWarning(UserWarning):
    """A patch on a library's internals is not used: the library's own behaviour is."""


@dataclass(frozen=True)
class Patch:
    """One patch: `written_for` holds requirements ("dagster==1.13.27") of the versions it was
    written for; `needs` the private names it relies on, as "module:attribute.path"."""

    what: str
    written_for: tuple[str, ...]
    needs: tuple[str, ...] = ()

    def applies(self, installed: Mapping[str, str] | None = None) -> bool:
        """Whether to use the patch. `installed` gives versions to judge instead of the installed
        ones (tests: {"dagster": "1.14.0"}); the names it needs are looked for either way."""
        given = {canonicalize_name(name): version for name, version in (installed or {}).items()}
        return _applies(self, tuple(sorted(given.items())))


@cache
def _applies(patch: Patch, installed: tuple[tuple[str, str], ...]) -> bool:
    reason = _why_not(patch, dict(installed))
    if reason:
        warnings.warn(
            f"Not patching {patch.what}: {reason}; the library's own behaviour is used. "
            f"The patch was written for {', '.join(patch.written_for)} "
            "(orchestration/lib/library_patches.py lists where each is).",
            PatchSkippedWarning,
            stacklevel=3,  # the patch's own module, the caller of Patch.applies
        )
    return not reason


def _why_not(patch: Patch, installed: dict[str, str]) -> str:
    for text in patch.written_for:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        try:
            version = installed.get(name) or metadata.version(name)
        except metadata.PackageNotFoundError:
            return f"{requirement.name} is not installed"
        if not requirement.specifier.contains(version, prereleases=True):
            return f"{requirement.name} {version} is installed"
    missing = [name for name in patch.needs if not _exists(name)]
    if missing:
        return f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing"
    return ""


def _exists(name: str) -> bool:
    module_name, _, path = name.partition(":")
    try:
        found = importlib.import_module(module_name)
    except ImportError:
        return False
    for attribute in filter(None, path.split(".")):
        if not hasattr(found, attribute):
            return False
        found = getattr(found, attribute)
    return True
