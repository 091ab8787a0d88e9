"""Deterministic synthetic landing-zone files shaped like Bromsgrove and Redditch councils.

`generate(out_dir)` writes every source in config/contracts/ as CSV:
out_dir/<source>/<source>_<YYYY-MM>.csv for monthly sources and out_dir/<source>/<source>.csv
for static ones. Each monthly file is dated when it arrived (arrivals.py: most by their due
working day, the partners' return usually late, March's finance ledger after the year-end
closedown); given `today`, the newest month HR and enabling returns owe by then never arrives.
`scale` multiplies event volumes (contacts, cases, addresses, money, FTE, incidents), not the
number of wards, teams or cost centres. Each source and month has its own
random stream, so the same arguments give byte-identical files and a month's rows don't depend
on how many months are generated (only the open/closed state of cases does: it is as at the end
of `last_month`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from orchestration.demo import arrivals
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
    today: date | None = None,
) -> dict[str, list[Path]]:
    """Write the demo landing files and return the paths written, by source.

    The real wards, LSOAs and IoD 2025 scores of the published files in `reference_dir`
    (default: the configured reference folder) place the synthetic records. `today` is the day
    the landing zone stands at (`bdc demo`: the date): no file arrived after it, and one month
    is missing (arrivals.py). Without it every month has arrived, as tests and the benchmark
    need.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out_dir = Path(out_dir)
    months = month_range(FIRST_MONTH, parse_month(last_month))
    as_of = months[-1].next_start - timedelta(days=1)
    latest_arrival = arrivals.as_at(today)
    missing_from = {source: arrivals.first_missing(source, today) for source in MONTHLY_SOURCES}
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
            missing = missing_from[source]
            if missing is not None and month.start >= missing:
                continue  # never arrived
            path = write_csv(frame, monthly_path(out_dir, source, month.label))
            arrivals.stamp(path, arrivals.arrival(seed, source, month), latest_arrival)
            written[source].append(path)

    report("done", total, total)
    return {source: paths for source, paths in written.items() if paths}
