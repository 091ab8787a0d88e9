"""Synthetic stand-ins for the published statistics and reference data.

Used only when no reference folder is configured. The stats_* tables use the same tidy shape
as the real-file parsers in orchestration/lib/reference/: area_code, area_name, period_start,
period_end, series, value.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from orchestration.lib.demo.geography import COUNCILS, Geography
from orchestration.lib.demo.months import Month
from orchestration.lib.demo.partners import ward_profile

STREAM = 60
# Same bands as the real-file parser (orchestration/lib/reference/population.py); "all" is the sum.
AGE_BANDS = ("0-15", "16-64", "65+")
AGE_SHARES = np.array([0.18, 0.59, 0.23])
DEPRIVATION_DOMAINS = (
    "imd",
    "income",
    "employment",
    "education",
    "health",
    "crime",
    "barriers",
    "living_environment",
)
LSOAS_IN_ENGLAND = 33_755
STATS_COLUMNS = ["area_code", "area_name", "period_start", "period_end", "series", "value"]

# series -> per 1,000 households a quarter (homelessness) or a year (others)
# Series names as the real-file parsers in orchestration/lib/reference/ name them.
HOMELESSNESS_SERIES = {
    "initial_assessments_total": 4.2,
    "owed_prevention_duty": 1.2,
    "relief_duty_owed": 1.1,
    "households_in_temporary_accommodation": 0.9,
}
FLYTIPPING_SERIES = "flytipping_incidents_total"
RECYCLING_SERIES = "household_waste_recycling_rate_pct"
FLYTIPPING_PER_1000_PEOPLE = 17.0
RECYCLING_RATE = {"E07000234": 42.5, "E07000236": 36.0}


def _quarters(months: list[Month]) -> list[tuple[date, date]]:
    starts = [m.start for m in months if m.number in (1, 4, 7, 10)]
    quarters = []
    for start in starts:
        year, month = divmod(start.year * 12 + start.month + 2, 12)
        end = date(year, month + 1, 1) - timedelta(days=1)
        if end <= months[-1].next_start - timedelta(days=1):
            quarters.append((start, end))
    return quarters


def _financial_years(months: list[Month]) -> list[tuple[date, date]]:
    years = [m.start for m in months if m.number == 4]
    last_day = months[-1].next_start - timedelta(days=1)
    return [(s, date(s.year + 1, 3, 31)) for s in years if date(s.year + 1, 3, 31) <= last_day]


def ref_population(seed: int, geography: Geography, months: list[Month]) -> pd.DataFrame:
    rng = np.random.default_rng([seed, STREAM, 1])
    wards = ward_profile(geography)
    years = sorted({m.start.year for m in months})
    rows = []
    for year in years:
        growth = 1.0 + 0.005 * (year - years[0])
        areas = [("lad", c.code, c.population) for c in COUNCILS]
        areas += [
            ("ward", w, p) for w, p in zip(wards["ward_code"], wards["population"], strict=True)
        ]
        for area_type, code, persons in areas:
            shares = AGE_SHARES * np.exp(rng.normal(0, 0.05, len(AGE_SHARES)))
            counts = np.round(persons * growth * shares / shares.sum()).astype(int)
            rows += [
                (area_type, code, year, band, int(n))
                for band, n in zip(AGE_BANDS, counts, strict=True)
            ]
    return pd.DataFrame(rows, columns=["area_type", "area_code", "year", "age_band", "persons"])


def ref_deprivation(seed: int, geography: Geography) -> pd.DataFrame:
    """IoD-shaped scores: the IMD drives the demo; the domains are noisy copies of it."""
    rng = np.random.default_rng([seed, STREAM, 5])
    lsoas = geography.lsoas
    frame = pd.DataFrame(
        {"lsoa_code": lsoas["lsoa_code"], "lsoa_version": "lsoa21", "iod_year": 2025}
    )
    for domain in DEPRIVATION_DOMAINS:
        score = lsoas["imd_score"].to_numpy()
        reference = 17.0  # roughly the national median IMD score
        if domain != "imd":
            score = score * np.exp(rng.normal(0, 0.35, len(score))) / 40.0
            reference /= 40.0
        # national rank from a logistic curve around the national median (1 = most deprived)
        share_less_deprived = 1 / (1 + np.exp(-1.6 * (np.log(score) - np.log(reference))))
        rank = np.clip(np.round((1 - share_less_deprived) * LSOAS_IN_ENGLAND), 1, LSOAS_IN_ENGLAND)
        frame[f"{domain}_score"] = np.round(score, 3)
        frame[f"{domain}_rank"] = rank.astype(int)
        frame[f"{domain}_decile"] = np.ceil(rank * 10 / LSOAS_IN_ENGLAND).astype(int)
    frame["lad_code"] = lsoas["council_code"].to_numpy()
    return frame


def stats_homelessness(seed: int, months: list[Month]) -> pd.DataFrame:
    rng = np.random.default_rng([seed, STREAM, 2])
    rows = []
    for council in COUNCILS:
        for start, end in _quarters(months):
            for series, rate in HOMELESSNESS_SERIES.items():
                value = rng.poisson(council.households / 1000 * rate)
                rows.append((council.code, council.name, start, end, series, float(value)))
    return _stats_frame(rows)


def stats_flytipping(seed: int, months: list[Month]) -> pd.DataFrame:
    rng = np.random.default_rng([seed, STREAM, 3])
    rows = []
    for council in COUNCILS:
        for start, end in _financial_years(months):
            value = rng.poisson(council.population / 1000 * FLYTIPPING_PER_1000_PEOPLE)
            rows.append((council.code, council.name, start, end, FLYTIPPING_SERIES, float(value)))
    return _stats_frame(rows)


def stats_recycling(seed: int, months: list[Month]) -> pd.DataFrame:
    rng = np.random.default_rng([seed, STREAM, 4])
    rows = []
    for council in COUNCILS:
        for start, end in _financial_years(months):
            value = round(RECYCLING_RATE[council.code] + rng.normal(0, 0.8), 1)
            rows.append(
                (
                    council.code,
                    council.name,
                    start,
                    end,
                    "household_waste_recycling_rate_pct",
                    value,
                )
            )
    return _stats_frame(rows)


def _stats_frame(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=STATS_COLUMNS)
    frame["period_start"] = [d.isoformat() for d in frame["period_start"]]
    frame["period_end"] = [d.isoformat() for d in frame["period_end"]]
    return frame
