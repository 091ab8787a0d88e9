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

from orchestration.lib.demo.cases import CASE_TYPES, generate_cases
from orchestration.lib.demo.demand import generate_contacts
from orchestration.lib.demo.finance import generate_ledger
from orchestration.lib.demo.geography import COUNCIL_CODES, COUNCILS, build_geography
from orchestration.lib.demo.hr import generate_hr
from orchestration.lib.demo.months import FIRST_MONTH, month_range, parse_month
from orchestration.lib.demo.partners import generate_partner_returns
from orchestration.lib.demo.redesign import REDESIGN
from orchestration.lib.demo.reference import (
    ref_deprivation,
    ref_population,
    stats_flytipping,
    stats_homelessness,
    stats_recycling,
)
from orchestration.lib.demo.writer import monthly_path, static_path, write_csv

DEFAULT_SEED = 20250401
MONTHLY_SOURCES = (
    "crm_contacts",
    "service_cases",
    "case_clock_pauses",
    "finance_ledger",
    "hr_enabling",
    "partner_returns",
)
REFERENCE_SOURCES = (
    "ref_population",
    "ref_deprivation",
    "stats_homelessness",
    "stats_flytipping",
    "stats_recycling",
)
SOURCES = (*MONTHLY_SOURCES, "gazetteer", *REFERENCE_SOURCES)

Progress = Callable[[str, int, int], None]  # (step label, steps done, steps in total)

__all__ = [
    "CASE_TYPES",
    "COUNCILS",
    "COUNCIL_CODES",
    "DEFAULT_SEED",
    "FIRST_MONTH",
    "MONTHLY_SOURCES",
    "REDESIGN",
    "REFERENCE_SOURCES",
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

    With `reference_dir` (the folder holding geography/ and deprivation/ of the public data)
    the real wards, LSOAs and IoD 2025 scores drive the data and the ref_*/stats_* fallbacks
    are not written (the real files are used instead); without it everything is synthetic.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out_dir = Path(out_dir)
    months = month_range(FIRST_MONTH, parse_month(last_month))
    as_of = months[-1].next_start - timedelta(days=1)
    total = len(months) + 2
    report = progress or (lambda label, done, steps: None)

    report("gazetteer", 0, total)
    geography, gazetteer = build_geography(seed, scale, reference_dir)
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

    if reference_dir is None:
        report("reference data", len(months) + 1, total)
        reference = {
            "ref_population": ref_population(seed, geography, months),
            "ref_deprivation": ref_deprivation(seed, geography),
            "stats_homelessness": stats_homelessness(seed, months),
            "stats_flytipping": stats_flytipping(seed, months),
            "stats_recycling": stats_recycling(seed, months),
        }
        for source, frame in reference.items():
            written[source].append(write_csv(frame, static_path(out_dir, source)))
    report("done", total, total)
    return {source: paths for source, paths in written.items() if paths}
