"""Deterministic synthetic landing-zone files shaped like Bromsgrove and Redditch councils.

`generate(out_dir)` writes every source in config/contracts/ as CSV:
out_dir/<source>/<source>_<YYYY-MM>.csv for monthly sources and out_dir/<source>/<source>.csv
for static ones. `scale` multiplies event volumes (contacts, cases, addresses, money, FTE,
incidents), not the number of wards, teams or cost centres. Each source and month has its own
random stream, so the same arguments give byte-identical files and a month's rows don't depend
on how many months are generated (only the open/closed state of cases does: it is as at the end
of `last_month`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from orchestration.demo.cases import CASE_TYPES, generate_cases
from orchestration.demo.demand import generate_contacts
from orchestration.demo.finance import generate_ledger
from orchestration.demo.geography import COUNCIL_CODES, COUNCILS, build_geography
from orchestration.demo.hr import generate_hr
from orchestration.demo.months import FIRST_MONTH, month_range, parse_month
from orchestration.demo.partners import generate_partner_returns
from orchestration.demo.redesign import REDESIGN
from orchestration.demo.writer import monthly_path, static_path, write_csv
from orchestration.lib import environment

DEFAULT_SEED = 20250401
MONTHLY_SOURCES = (
    "crm_contacts",
    "service_cases",
    "case_clock_pauses",
    "finance_ledger",
    "hr_enabling",
    "partner_returns",
)
# Only the council's own internal systems are synthetic: the published statistics and reference
# tables always come from the real files (data/reference/, loaded by their parsers).
SOURCES = (*MONTHLY_SOURCES, "gazetteer")

Progress = Callable[[str, int, int], None]  # (step label, steps done, steps in total)

__all__ = [
    "CASE_TYPES",
    "COUNCILS",
    "COUNCIL_CODES",
    "DEFAULT_SEED",
    "FIRST_MONTH",
    "MONTHLY_SOURCES",
    "REDESIGN",
    "SOURCES",
    "generate",
]


def generate(
    out_dir: Path,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    last_month: str = "2026-03",
    reference_dir: Path | None = None,
    progress: Progress | None = None,
) -> dict[str, list[Path]]:
    """Write the demo landing files and return the paths written, by source.

    The real wards, LSOAs and IoD 2025 scores of the published files in `reference_dir`
    (default: the configured reference folder) place the synthetic records.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out_dir = Path(out_dir)
    months = month_range(FIRST_MONTH, parse_month(last_month))
    as_of = months[-1].next_start - timedelta(days=1)
    total = len(months) + 1
    report = progress or (lambda label, done, steps: None)

    report("gazetteer", 0, total)
    geography, gazetteer = build_geography(
        seed, scale, reference_dir or environment.reference_dir()
    )
    written: dict[str, list[Path]] = {source: [] for source in SOURCES}
    written["gazetteer"].append(write_csv(gazetteer, static_path(out_dir, "gazetteer")))
    del gazetteer

    for done, month in enumerate(months, start=1):
        report(f"month {month.label}", done, total)
        cases, pauses = generate_cases(seed, geography, month, scale, as_of)
        frames = {
            "crm_contacts": generate_contacts(seed, geography, month, scale),
            "service_cases": cases,
            "case_clock_pauses": pauses,
            "finance_ledger": generate_ledger(seed, month, scale),
            "hr_enabling": generate_hr(seed, month, scale),
            "partner_returns": generate_partner_returns(seed, geography, month, scale),
        }
        for source, frame in frames.items():
            written[source].append(write_csv(frame, monthly_path(out_dir, source, month.label)))

    report("done", total, total)
    return {source: paths for source, paths in written.items() if paths}
