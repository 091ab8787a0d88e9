"""HR and enabling returns: FTE, sickness, FOI requests and complaints by team and month."""

from __future__ import annotations

import pandas as pd

from orchestration.demo.geography import COUNCILS
from orchestration.demo.months import Month, month_rng
from orchestration.demo.services import ALL_TEAMS, TEAM_SERVICE

STREAM = 40

# team -> (FTE for a council of Bromsgrove's size, FOI requests a month, complaints a month)
TEAM_SIZES: dict[str, tuple[float, float, float]] = {
    "revenues": (20.5, 2.0, 6.0),
    "benefits": (24.0, 1.5, 5.0),
    "waste_collection": (80.0, 2.0, 14.0),
    "street_scene": (46.0, 1.5, 5.0),
    "development_management": (25.0, 3.0, 6.0),
    "housing_options": (17.0, 2.0, 5.0),
    "independent_living": (22.0, 0.5, 1.5),
    "environmental_health": (13.0, 2.5, 2.0),
    "licensing": (6.0, 1.5, 1.0),
    "leisure": (21.0, 0.5, 3.0),
    "electoral_services": (5.0, 0.5, 0.5),
    "customer_services": (30.0, 0.5, 4.0),
    "finance": (17.0, 1.5, 0.5),
    "human_resources": (9.0, 1.0, 0.3),
    "ict": (15.0, 1.0, 0.5),
    "legal_and_democratic": (11.0, 1.0, 1.0),
}
WINTER_SICKNESS = (1.35, 1.25, 1.05, 0.9, 0.85, 0.8, 0.8, 0.8, 0.9, 1.0, 1.15, 1.3)
SICKNESS_DAYS_PER_FTE_YEAR = 9.0
FOI_IN_TIME = 0.88
COMPLAINTS_UPHELD = 0.35
COMPLAINTS_IN_TIME = 0.82
COLUMNS = [
    "council_code",
    "team",
    "service",
    "period_month",
    "fte",
    "sickness_days",
    "foi_requests",
    "foi_in_time",
    "complaints",
    "complaints_upheld",
    "complaints_in_time",
]


def generate_hr(seed: int, month: Month, scale: float) -> pd.DataFrame:
    rng = month_rng(seed, STREAM, month)
    rows = []
    for council in COUNCILS:
        size = council.households / COUNCILS[0].households * scale
        for team in ALL_TEAMS:
            base_fte, foi_rate, complaint_rate = TEAM_SIZES[team]
            fte = round(base_fte * size * (1.0 + rng.normal(0.0, 0.01)), 1)
            expected_sickness = (
                fte * SICKNESS_DAYS_PER_FTE_YEAR / 12.0 * WINTER_SICKNESS[month.number - 1]
            )
            sickness = round(float(rng.gamma(4.0, expected_sickness / 4.0)), 1)
            foi = int(rng.poisson(foi_rate * size))
            complaints = int(rng.poisson(complaint_rate * size))
            rows.append(
                (
                    council.code,
                    team,
                    TEAM_SERVICE[team],
                    month.start.isoformat(),
                    fte,
                    sickness,
                    foi,
                    int(rng.binomial(foi, FOI_IN_TIME)),
                    complaints,
                    int(rng.binomial(complaints, COMPLAINTS_UPHELD)),
                    int(rng.binomial(complaints, COMPLAINTS_IN_TIME)),
                )
            )
    return pd.DataFrame(rows, columns=COLUMNS)
