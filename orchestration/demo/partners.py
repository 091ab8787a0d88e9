"""Partner returns by ward: the county's families programme and police ASB incidents."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.demo.geography import Geography
from orchestration.demo.months import Month, month_rng

STREAM = 50
SUMMER_ASB = (0.8, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.25, 1.0, 1.0, 0.9, 0.75)
# partner, measure_code, events per 1,000 residents a year, deprivation elasticity
PARTNER_MEASURES: tuple[tuple[str, str, float, float], ...] = (
    ("west_mercia_police", "asb_incidents", 15.0, 0.7),
    ("worcestershire_county_council", "families_engaged", 2.4, 0.9),
    ("worcestershire_county_council", "families_successful_outcomes", 0.0, 0.0),
)
SUCCESS_RATE = 0.35  # successful outcomes per family engaged in the month
COLUMNS = [
    "return_id",
    "partner",
    "council_code",
    "measure_code",
    "period_month",
    "area_type",
    "area_code",
    "value",
]
PARTNER_CODES = {"west_mercia_police": "WMP", "worcestershire_county_council": "WCC"}


def ward_profile(geography: Geography) -> pd.DataFrame:
    lsoas = geography.lsoas
    weighted = lsoas.assign(z_pop=lsoas["deprivation_z"] * lsoas["population"])
    wards = weighted.groupby(["council_code", "ward_code"], sort=True).agg(
        population=("population", "sum"), z_pop=("z_pop", "sum")
    )
    wards["deprivation_z"] = wards["z_pop"] / wards["population"]
    return wards.drop(columns="z_pop").reset_index()


def generate_partner_returns(
    seed: int, geography: Geography, month: Month, scale: float
) -> pd.DataFrame:
    rng = month_rng(seed, STREAM, month)
    wards = ward_profile(geography)
    population = wards["population"].to_numpy()
    z = wards["deprivation_z"].to_numpy()
    engaged = None
    frames = []
    for partner, measure, per_thousand, elasticity in PARTNER_MEASURES:
        if measure == "families_successful_outcomes":
            values = rng.binomial(engaged, SUCCESS_RATE)
        else:
            lift = np.exp(elasticity * z)
            lift /= np.average(lift, weights=population)
            season = SUMMER_ASB[month.number - 1] if measure == "asb_incidents" else 1.0
            values = rng.poisson(population / 1000 * per_thousand / 12 * lift * season * scale)
            if measure == "families_engaged":
                engaged = values
        code = PARTNER_CODES[partner]
        frames.append(
            pd.DataFrame(
                {
                    "return_id": [
                        f"{code}-{month.start:%Y%m}-{measure}-{w}" for w in wards["ward_code"]
                    ],
                    "partner": partner,
                    "council_code": wards["council_code"].to_numpy(),
                    "measure_code": measure,
                    "period_month": month.start.isoformat(),
                    "area_type": "ward",
                    "area_code": wards["ward_code"].to_numpy(),
                    "value": values.astype(np.int64),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[COLUMNS]
