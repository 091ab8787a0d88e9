"""CRM contacts: customer demand by service, channel and value/failure type."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.demo.geography import Geography
from orchestration.demo.months import Month, month_rng, sample_days
from orchestration.demo.redesign import REDESIGN, redesign_applies
from orchestration.demo.services import (
    CHANNELS,
    FAILURE_TYPES,
    FRONT_OFFICE_TEAM,
    SERVICE_TEAMS,
)

STREAM = 10
FLAT = (1.0,) * 12


@dataclass(frozen=True)
class DemandProfile:
    service: str
    contacts_per_household_year: float
    deprivation_elasticity: float  # demand multiplier per standard deviation of log IMD score
    season: tuple[float, ...]  # January .. December
    failure_share: float
    channel_mix: tuple[float, ...]  # phone, face_to_face, email, web, letter
    failure_type_weights: tuple[float, ...]  # in FAILURE_TYPES order
    commercial_share: float = 0.0


PROFILES: tuple[DemandProfile, ...] = (
    DemandProfile(
        "council_tax",
        0.55,
        0.30,
        (1.0, 0.9, 1.5, 1.9, 1.2, 0.9, 0.8, 0.8, 0.9, 1.0, 0.9, 0.7),
        0.47,
        (0.50, 0.06, 0.14, 0.26, 0.04),
        (0.34, 0.24, 0.18, 0.10, 0.14),
    ),
    DemandProfile(
        "business_rates",
        0.03,
        0.0,
        (1.0, 0.9, 1.4, 1.8, 1.1, 0.9, 0.8, 0.8, 0.9, 1.0, 0.9, 0.7),
        0.42,
        (0.45, 0.02, 0.30, 0.18, 0.05),
        (0.36, 0.22, 0.20, 0.08, 0.14),
        1.0,
    ),
    DemandProfile(
        "benefits",
        0.36,
        0.65,
        (1.5, 1.2, 1.0, 1.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 1.0),
        0.52,
        (0.52, 0.12, 0.10, 0.22, 0.04),
        (0.42, 0.25, 0.13, 0.08, 0.12),
    ),
    DemandProfile(
        "waste",
        0.60,
        -0.05,
        (0.8, 0.7, 0.9, 1.2, 1.3, 1.3, 1.3, 1.2, 1.0, 0.9, 0.8, 0.9),
        0.30,
        (0.48, 0.02, 0.10, 0.39, 0.01),
        (0.30, 0.08, 0.07, 0.45, 0.10),
    ),
    DemandProfile(
        "street_scene",
        0.12,
        0.25,
        (0.8, 0.8, 0.9, 1.1, 1.2, 1.3, 1.3, 1.2, 1.0, 0.9, 0.8, 0.7),
        0.24,
        (0.40, 0.03, 0.12, 0.44, 0.01),
        (0.40, 0.07, 0.08, 0.33, 0.12),
    ),
    DemandProfile(
        "planning",
        0.12,
        -0.30,
        FLAT,
        0.30,
        (0.40, 0.05, 0.35, 0.17, 0.03),
        (0.45, 0.30, 0.10, 0.05, 0.10),
        0.15,
    ),
    DemandProfile(
        "housing",
        0.12,
        0.60,
        FLAT,
        0.38,
        (0.50, 0.18, 0.14, 0.15, 0.03),
        (0.46, 0.24, 0.12, 0.06, 0.12),
    ),
    DemandProfile(
        "independent_living",
        0.05,
        0.20,
        FLAT,
        0.28,
        (0.62, 0.10, 0.10, 0.10, 0.08),
        (0.48, 0.22, 0.10, 0.10, 0.10),
    ),
    DemandProfile(
        "environmental_health",
        0.10,
        0.30,
        (0.7, 0.7, 0.8, 0.9, 1.1, 1.4, 1.5, 1.4, 1.0, 0.9, 0.8, 0.8),
        0.22,
        (0.45, 0.03, 0.25, 0.25, 0.02),
        (0.45, 0.18, 0.12, 0.13, 0.12),
    ),
    DemandProfile(
        "licensing",
        0.03,
        0.0,
        FLAT,
        0.25,
        (0.35, 0.05, 0.35, 0.22, 0.03),
        (0.40, 0.30, 0.10, 0.05, 0.15),
        0.6,
    ),
    DemandProfile(
        "leisure",
        0.08,
        -0.20,
        (1.3, 1.0, 0.9, 1.0, 1.0, 1.2, 1.3, 1.3, 1.0, 0.8, 0.8, 0.6),
        0.15,
        (0.45, 0.15, 0.10, 0.30, 0.00),
        (0.30, 0.30, 0.10, 0.10, 0.20),
    ),
    DemandProfile(
        "electoral_services",
        0.06,
        0.0,
        (0.5, 0.5, 0.7, 1.6, 1.2, 0.5, 0.6, 1.5, 1.8, 1.8, 1.3, 0.5),
        0.20,
        (0.55, 0.03, 0.15, 0.20, 0.07),
        (0.30, 0.40, 0.10, 0.05, 0.15),
    ),
)

# failure demand is likelier where the system hands the customer on (phone) than in self-service
CHANNEL_FAILURE_FACTOR = np.array([1.25, 1.10, 1.00, 0.55, 1.05])
# first-point resolution by channel for value and for failure demand
FIRST_POINT_VALUE = np.array([0.78, 0.82, 0.62, 0.88, 0.50])
FIRST_POINT_FAILURE = np.array([0.52, 0.60, 0.38, 0.60, 0.30])
WEB_GROWTH_PER_YEAR = 0.15  # channel shift: web weight grows 15% a year
BLANK_UPRN_SHARE = 0.05
REDESIGN_FAILURE_FACTOR = 0.75  # fewer chasing calls once new claims are decided quickly

COLUMNS = [
    "contact_id",
    "council_code",
    "received_at",
    "channel",
    "service",
    "demand_type",
    "failure_type",
    "uprn",
    "resolved_at_first_point",
    "team",
]


def _times_of_day(rng: np.random.Generator, channel: np.ndarray) -> np.ndarray:
    office = rng.triangular(8.5, 10.5, 17.0, len(channel))
    online = np.mod(rng.normal(14.0, 4.5, len(channel)), 24.0)
    post = rng.uniform(9.0, 12.0, len(channel))
    hours = np.select([np.isin(channel, [0, 1]), channel == 4], [office, post], default=online)
    return np.floor(hours * 3600).astype(np.int64)


def _contacts_for_profile(
    rng: np.random.Generator,
    geography: Geography,
    month: Month,
    profile: DemandProfile,
    scale: float,
) -> pd.DataFrame:
    lsoas = geography.lsoas
    z = lsoas["deprivation_z"].to_numpy()
    households = lsoas["households"].to_numpy()
    lift = np.exp(profile.deprivation_elasticity * z)
    lift /= np.average(lift, weights=households)
    expected = (
        households
        * lift
        * profile.contacts_per_household_year
        / 12.0
        * profile.season[month.number - 1]
        * scale
        * (1 + 0.02 * month.years_since_first)
    )
    lsoa_index = np.repeat(np.arange(len(lsoas)), rng.poisson(expected))
    size = len(lsoa_index)
    council = lsoas["council_code"].to_numpy()[lsoa_index]

    mix = np.array(profile.channel_mix, dtype=float)
    mix[3] *= 1 + WEB_GROWTH_PER_YEAR * month.years_since_first
    mix /= mix.sum()
    channel = rng.choice(len(CHANNELS), size=size, p=mix)

    base = profile.failure_share / float(mix @ CHANNEL_FAILURE_FACTOR)
    p_failure = np.minimum(0.95, base * CHANNEL_FAILURE_FACTOR[channel])
    if profile.service == REDESIGN["service"]:
        redesigned = redesign_applies(council, month.start)
        p_failure = np.where(redesigned, p_failure * REDESIGN_FAILURE_FACTOR, p_failure)
    failure = rng.random(size) < p_failure
    weights = np.array(profile.failure_type_weights)
    failure_type = np.array(FAILURE_TYPES, dtype=object)[
        rng.choice(len(FAILURE_TYPES), size=size, p=weights / weights.sum())
    ]
    resolved = rng.random(size) < np.where(
        failure, FIRST_POINT_FAILURE[channel], FIRST_POINT_VALUE[channel]
    )

    commercial = rng.random(size) < profile.commercial_share
    uprn = geography.sample_uprns(rng, lsoa_index, commercial).astype(str).astype(object)
    uprn[rng.random(size) < BLANK_UPRN_SHARE] = ""

    day = sample_days(rng, month, size, weekend_weight=0.35)
    office_channel = np.isin(channel, [0, 1, 4])
    weekday_day = sample_days(rng, month, size, weekend_weight=0.0)
    day = np.where(office_channel, weekday_day, day)
    received = day.astype("datetime64[s]") + _times_of_day(rng, channel)

    channel_names = np.array(CHANNELS, dtype=object)[channel]
    team = np.where(np.isin(channel, [0, 1]), FRONT_OFFICE_TEAM, SERVICE_TEAMS[profile.service])
    return pd.DataFrame(
        {
            "council_code": council,
            "received_at": received,
            "channel": channel_names,
            "service": profile.service,
            "demand_type": np.where(failure, "failure", "value"),
            "failure_type": np.where(failure, failure_type, ""),
            "uprn": uprn,
            "resolved_at_first_point": resolved,
            "team": team,
        }
    )


def generate_contacts(seed: int, geography: Geography, month: Month, scale: float) -> pd.DataFrame:
    rng = month_rng(seed, STREAM, month)
    frames = [_contacts_for_profile(rng, geography, month, p, scale) for p in PROFILES]
    contacts = pd.concat(frames, ignore_index=True)
    contacts = contacts.sort_values("received_at", kind="stable").reset_index(drop=True)
    contacts.insert(
        0, "contact_id", [f"CRM-{month.start:%Y%m}-{n:07d}" for n in range(1, len(contacts) + 1)]
    )
    contacts["received_at"] = contacts["received_at"].to_numpy().astype("datetime64[s]").astype(str)
    contacts["received_at"] = contacts["received_at"].str.replace("T", " ", regex=False)
    return contacts[COLUMNS]
