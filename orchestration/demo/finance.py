"""Finance ledger: budget, actual, income and FTE by cost centre and month."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from orchestration.demo.geography import COUNCILS
from orchestration.demo.months import Month, month_rng

STREAM = 30


@dataclass(frozen=True)
class CostCentre:
    number: int
    name: str
    service: str
    annual_budget: float  # gross expenditure, GBP, for a council of Bromsgrove's size
    annual_income: float
    fte: float
    overspend: float = 0.0  # systematic actual/budget - 1
    season: tuple[float, ...] = (1.0,) * 12  # January .. December spend profile


SUMMER = (0.9, 0.9, 0.95, 1.05, 1.1, 1.1, 1.1, 1.1, 1.0, 0.95, 0.9, 0.95)
COST_CENTRES: tuple[CostCentre, ...] = (
    CostCentre(1010, "Council tax collection", "council_tax", 780_000, 210_000, 16.0),
    CostCentre(1020, "Business rates collection", "business_rates", 240_000, 150_000, 4.5),
    CostCentre(1110, "Benefits assessment", "benefits", 1_150_000, 420_000, 24.0, 0.02),
    CostCentre(1120, "Discretionary housing payments", "benefits", 180_000, 140_000, 0.0),
    CostCentre(
        1210, "Refuse and recycling collection", "waste", 3_100_000, 250_000, 62.0, 0.05, SUMMER
    ),
    CostCentre(1220, "Garden waste service", "waste", 620_000, 980_000, 12.0, 0.03, SUMMER),
    CostCentre(1230, "Trade waste", "waste", 410_000, 560_000, 6.0),
    CostCentre(
        1310,
        "Street cleansing and fly-tipping",
        "street_scene",
        1_250_000,
        40_000,
        28.0,
        0.01,
        SUMMER,
    ),
    CostCentre(1320, "Parks and open spaces", "street_scene", 980_000, 90_000, 18.0, 0.0, SUMMER),
    CostCentre(1410, "Development management", "planning", 1_050_000, 820_000, 19.0, 0.04),
    CostCentre(1420, "Planning policy", "planning", 420_000, 0, 6.0),
    CostCentre(1510, "Housing options and homelessness", "housing", 880_000, 310_000, 15.0, 0.06),
    CostCentre(1520, "Temporary accommodation", "housing", 520_000, 260_000, 2.0, 0.12),
    CostCentre(1610, "Disabled facilities grants", "independent_living", 900_000, 860_000, 5.0),
    CostCentre(1620, "Community alarm and lifeline", "independent_living", 640_000, 520_000, 17.0),
    CostCentre(1710, "Environmental health", "environmental_health", 720_000, 60_000, 13.0),
    CostCentre(1810, "Licensing", "licensing", 310_000, 330_000, 6.0),
    CostCentre(1910, "Leisure and culture", "leisure", 1_400_000, 900_000, 21.0, 0.03, SUMMER),
    CostCentre(2010, "Electoral registration and elections", "electoral_services", 360_000, 0, 5.0),
    CostCentre(2110, "Customer service centre", "customer_services", 1_050_000, 0, 30.0),
    CostCentre(2210, "Finance and procurement", "corporate", 980_000, 60_000, 17.0),
    CostCentre(2220, "Human resources and payroll", "corporate", 520_000, 0, 9.0),
    CostCentre(2230, "ICT", "corporate", 1_300_000, 0, 15.0, 0.02),
    CostCentre(2240, "Legal and democratic services", "corporate", 760_000, 30_000, 11.0),
)
COLUMNS = [
    "council_code",
    "cost_centre",
    "cost_centre_name",
    "service",
    "period_month",
    "budget",
    "actual",
    "income",
    "fte",
]
# Garden waste subscriptions are paid in spring.
INCOME_SEASON = {1220: (0.3, 0.5, 2.5, 3.5, 1.5, 0.8, 0.6, 0.5, 0.4, 0.4, 0.3, 0.2)}


def generate_ledger(seed: int, month: Month, scale: float) -> pd.DataFrame:
    rng = month_rng(seed, STREAM, month)
    rows = []
    for council in COUNCILS:
        size = council.households / COUNCILS[0].households
        for centre in COST_CENTRES:
            season = centre.season[month.number - 1]
            budget = centre.annual_budget / 12.0 * season * size * scale
            noise = rng.normal(0.0, 0.04)
            actual = budget * (1.0 + centre.overspend + noise)
            income_season = INCOME_SEASON.get(centre.number, (1.0,) * 12)[month.number - 1]
            income = centre.annual_income / 12.0 * income_season * size * scale
            income *= 1.0 + rng.normal(0.0, 0.06)
            fte = centre.fte * size * scale * (1.0 + rng.normal(0.0, 0.01))
            rows.append(
                (
                    council.code,
                    f"{council.short}{centre.number}",
                    centre.name,
                    centre.service,
                    month.start.isoformat(),
                    round(budget, 2),
                    round(actual, 2),
                    round(max(income, 0.0), 2),
                    round(max(fte, 0.0), 1),
                )
            )
    return pd.DataFrame(rows, columns=COLUMNS)
