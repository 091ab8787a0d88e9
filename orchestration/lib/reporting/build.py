"""One pack from end to end: period -> gate -> snapshot -> documents -> files (-> issue)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.lib.reporting import calendar, data, freeze, model, publication, render


@dataclass
class PackResult:
    kind: str
    period: calendar.Period
    folder: Path
    files: dict[str, bytes]
    issued: bool = False
    from_issued_snapshot: bool = False
    warnings: list[str] = field(default_factory=list)
    manifest: dict | None = None

    def summary(self) -> str:
        documents = len([n for n in self.files if n.endswith(".pdf")])
        state = (
            "regenerated from its issued snapshot (byte-identical)"
            if self.from_issued_snapshot
            else "issued and frozen"
            if self.issued
            else "written (draft, not issued)"
        )
        return (
            f"{self.kind.capitalize()} {self.period.key}: {documents} document(s) {state} "
            f"in {self.folder}"
        )


def render_snapshot(snap: data.Snapshot) -> tuple[dict[str, bytes], dict[str, str]]:
    """Files of every document, plus the snapshot as CSV text. The snapshot always goes through
    its CSV form first, so live and frozen rendering are the same code path."""
    snapshot_files = data.dump(snap)
    frozen = data.load(snapshot_files)
    return render.render(list(model.documents(frozen))), snapshot_files


def resolve_period(
    kind: str, key: str | None, today: dt.date | None = None, config: dict | None = None
) -> calendar.Period:
    """The named period, else the calendar's current one on `today` (default: today in London).
    Never the newest month in the data: one source loaded early must not move a report."""
    config = config or calendar.load()
    if key:
        return calendar.period(kind, key, config)
    return calendar.current_period(kind, today or calendar.run_date(config), config)


def build(
    url: str,
    kind: str,
    key: str | None = None,
    issue: bool = False,
    *,
    today: dt.date | None = None,
) -> PackResult:
    config = calendar.load()
    period = resolve_period(kind, key, today, config)
    frozen = freeze.issued_snapshot(kind, period.key)
    if frozen is not None:
        # An issued pack is never rebuilt from live data: its frozen rows give the same bytes.
        files, _ = render_snapshot(frozen)
        differing = freeze.verify(kind, period.key, files)
        if differing:
            raise RuntimeError(
                f"Regenerating the issued {kind} pack {period.key} did not reproduce "
                f"{', '.join(differing)}; the issued copy in {freeze.issued_dir(kind, period.key)} "
                "is the record."
            )
        folder = freeze.write_pack(kind, period.key, files)
        return PackResult(kind, period, folder, files, issued=True, from_issued_snapshot=True,
                          manifest=freeze.issued_manifest(kind, period.key))  # fmt: skip
    decision = publication.require(url, kind, period.period_end, today=today)
    previous = freeze.previous_issued_snapshot(kind, period.key)
    snap = data.snapshot(url, kind, period, list(config["councils"]), previous)
    files, snapshot_files = render_snapshot(snap)
    folder = freeze.write_pack(kind, period.key, files)
    result = PackResult(kind, period, folder, files, warnings=decision.warnings)
    if issue:
        result.manifest = freeze.issue(url, kind, period.key, files, snapshot_files)
        result.issued = True
    return result
