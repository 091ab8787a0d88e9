"""Service cases with end-to-end clocks and the pauses on those clocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from orchestration.demo.geography import Geography
from orchestration.demo.months import Month, month_rng, sample_days
from orchestration.demo.redesign import REDESIGN, redesign_applies
from orchestration.demo.services import SERVICE_TEAMS

STREAM = 20
# The times of day of timed cases come from a stream of their own, so that no other generated
# value depends on them.
TIME_STREAM = 21
FLAT = (1.0,) * 12


@dataclass(frozen=True)
class CaseProfile:
    service: str
    case_type: str
    cases_per_household_year: float
    deprivation_elasticity: float
    season: tuple[float, ...]  # January .. December
    median_days: float
    sigma: float  # of log(end-to-end days): the skew
    min_days: int
    pause_probability: float
    pause_reasons: tuple[str, ...]
    outcomes: tuple[str, ...]
    outcome_weights: tuple[float, ...]
    commercial_share: float = 0.0
    blank_uprn_share: float = 0.01
    redditch_factor: float = 1.0  # Redditch's median relative to Bromsgrove's


# About 40,000 cases a year over the two councils' 77,700 households at scale 1.
PROFILES: tuple[CaseProfile, ...] = (
    CaseProfile(
        "benefits",
        "new_claim",
        0.040,
        0.7,
        (1.5, 1.2, 1.0, 1.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 1.0),
        24.0,
        0.60,
        1,
        0.40,
        ("awaiting_customer_evidence", "awaiting_landlord_evidence"),
        ("awarded", "refused", "withdrawn"),
        (0.72, 0.20, 0.08),
        redditch_factor=0.95,
    ),
    CaseProfile(
        "benefits",
        "change_of_circumstances",
        0.180,
        0.6,
        FLAT,
        8.0,
        0.70,
        0,
        0.20,
        ("awaiting_customer_evidence",),
        ("awarded", "refused", "withdrawn"),
        (0.85, 0.10, 0.05),
    ),
    CaseProfile(
        "planning",
        "major",
        0.0008,
        0.0,
        FLAT,
        80.0,
        0.45,
        20,
        0.60,
        ("awaiting_applicant_information", "extension_of_time_agreed"),
        ("approved", "refused", "withdrawn"),
        (0.82, 0.12, 0.06),
        0.7,
    ),
    CaseProfile(
        "planning",
        "minor",
        0.009,
        -0.2,
        FLAT,
        50.0,
        0.35,
        10,
        0.35,
        ("awaiting_applicant_information", "extension_of_time_agreed"),
        ("approved", "refused", "withdrawn"),
        (0.84, 0.10, 0.06),
        0.3,
    ),
    CaseProfile(
        "planning",
        "other",
        0.023,
        -0.3,
        (0.8, 0.9, 1.1, 1.2, 1.2, 1.1, 1.0, 1.0, 1.0, 0.9, 0.9, 0.8),
        45.0,
        0.35,
        5,
        0.25,
        ("awaiting_applicant_information",),
        ("approved", "refused", "withdrawn"),
        (0.90, 0.06, 0.04),
    ),
    CaseProfile(
        "housing",
        "housing_application",
        0.026,
        0.8,
        FLAT,
        30.0,
        0.65,
        1,
        0.45,
        ("awaiting_customer_evidence",),
        ("accepted_onto_register", "rejected", "withdrawn"),
        (0.70, 0.18, 0.12),
        redditch_factor=1.15,
    ),
    CaseProfile(
        "independent_living",
        "disabled_facilities_grant",
        0.0032,
        0.3,
        FLAT,
        180.0,
        0.50,
        30,
        0.70,
        ("awaiting_occupational_therapist_assessment", "awaiting_contractor"),
        ("adaptation_completed", "cancelled"),
        (0.88, 0.12),
    ),
    CaseProfile(
        "waste",
        "missed_bin",
        0.154,
        -0.05,
        (0.8, 0.7, 0.9, 1.2, 1.4, 1.4, 1.4, 1.3, 1.0, 0.9, 0.7, 0.9),
        2.0,
        0.55,
        0,
        0.04,
        ("access_blocked",),
        ("collected", "not_presented"),
        (0.93, 0.07),
        blank_uprn_share=0.0,
    ),
    CaseProfile(
        "street_scene",
        "fly_tipping",
        0.045,
        0.4,
        (0.8, 0.8, 0.9, 1.1, 1.2, 1.3, 1.3, 1.2, 1.0, 0.9, 0.8, 0.7),
        3.0,
        0.70,
        0,
        0.06,
        ("awaiting_landowner_response",),
        ("cleared", "cleared_with_enforcement_action", "on_private_land"),
        (0.80, 0.08, 0.12),
        blank_uprn_share=0.25,
    ),
    CaseProfile(
        "environmental_health",
        "noise_complaint",
        0.019,
        0.35,
        (0.7, 0.7, 0.8, 0.9, 1.1, 1.4, 1.5, 1.4, 1.0, 0.9, 0.8, 0.8),
        20.0,
        0.80,
        1,
        0.30,
        ("awaiting_diary_sheets",),
        ("resolved_informally", "abatement_notice_served", "no_further_action"),
        (0.55, 0.10, 0.35),
    ),
    CaseProfile(
        "licensing",
        "licence_application",
        0.015,
        0.0,
        FLAT,
        25.0,
        0.50,
        3,
        0.30,
        ("awaiting_applicant_information",),
        ("granted", "refused", "withdrawn"),
        (0.90, 0.04, 0.06),
        0.6,
    ),
)
CASE_TYPES: dict[str, tuple[str, ...]] = {}
for _p in PROFILES:
    CASE_TYPES.setdefault(_p.service, ())
    CASE_TYPES[_p.service] += (_p.case_type,)
ALL_OUTCOMES = tuple(sorted({o for p in PROFILES for o in p.outcomes}))
ALL_PAUSE_REASONS = tuple(sorted({r for p in PROFILES for r in p.pause_reasons}))

# Reports that come through the CRM carry the time of the report and of the customer's "done";
# the other services' systems record dates only.
TIMED_CASE_TYPES = {("street_scene", "fly_tipping"), ("waste", "missed_bin")}
REPORTED_IN_WORKING_HOURS = 0.8  # the rest in the evening (18:00 to 23:00)
CREW_HOURS = (7.0, 17.0)  # clearances and collections happen in these hours

REDESIGNED_MEDIAN_DAYS = 12.0
REDESIGNED_SIGMA = 0.35
REDESIGNED_PAUSE_PROBABILITY = 0.15
SECOND_PAUSE_SHARE = 0.3

CASE_COLUMNS = [
    "case_id",
    "council_code",
    "service",
    "case_type",
    "team",
    "received_date",
    "completed_date",
    "outcome",
    "uprn",
    "received_at",
    "completed_at",
]
PAUSE_COLUMNS = [
    "pause_id",
    "case_id",
    "council_code",
    "case_received_date",
    "paused_from",
    "paused_to",
    "reason",
]


def _report_times(times: np.random.Generator, received: np.ndarray) -> np.ndarray:
    """Moments of report on the received days: mostly in working hours, some in the evening."""
    evening = times.random(len(received)) < 1 - REPORTED_IN_WORKING_HOURS
    hours = np.where(
        evening, times.uniform(18, 23, len(received)), times.uniform(8, 18, len(received))
    )
    return received.astype("datetime64[s]") + np.floor(hours * 3600).astype("timedelta64[s]")


def _in_crew_hours(received_at: np.ndarray, due: np.ndarray) -> np.ndarray:
    """The moment each case is done: on the day it falls due, its time of day squeezed into
    the crews' hours (keeping order within the day, so the durations stay as skewed and
    about as long), or the next day's when that would come before the report."""
    day = due.astype("datetime64[D]").astype("datetime64[s]")
    of_day = (due - day).astype(np.int64) / 86400
    start, end = CREW_HOURS
    done = day + np.round((start + of_day * (end - start)) * 3600).astype("timedelta64[s]")
    return np.where(done < received_at, done + np.timedelta64(1, "D"), done)


def _cases_for_profile(
    rng: np.random.Generator,
    times: np.random.Generator,
    geography: Geography,
    month: Month,
    profile: CaseProfile,
    scale: float,
) -> pd.DataFrame:
    lsoas = geography.lsoas
    households = lsoas["households"].to_numpy()
    lift = np.exp(profile.deprivation_elasticity * lsoas["deprivation_z"].to_numpy())
    lift /= np.average(lift, weights=households)
    expected = (
        households
        * lift
        * profile.cases_per_household_year
        / 12.0
        * profile.season[month.number - 1]
        * scale
    )
    lsoa_index = np.repeat(np.arange(len(lsoas)), rng.poisson(expected))
    size = len(lsoa_index)
    council = lsoas["council_code"].to_numpy()[lsoa_index]
    received = sample_days(rng, month, size, weekend_weight=0.3)

    median = np.where(
        council == REDESIGN["council_code"],
        profile.median_days,
        profile.median_days * profile.redditch_factor,
    )
    sigma = np.full(size, profile.sigma)
    pause_probability = np.full(size, profile.pause_probability)
    if (profile.service, profile.case_type) == (REDESIGN["service"], REDESIGN["case_type"]):
        redesigned = redesign_applies(council, received)
        median = np.where(redesigned, REDESIGNED_MEDIAN_DAYS, median)
        sigma = np.where(redesigned, REDESIGNED_SIGMA, sigma)
        pause_probability = np.where(redesigned, REDESIGNED_PAUSE_PROBABILITY, pause_probability)
    duration = median * np.exp(sigma * rng.standard_normal(size))
    if (profile.service, profile.case_type) in TIMED_CASE_TYPES:
        # These systems record times: the duration is not rounded to whole days.
        received_at = _report_times(times, received)
        seconds = np.round(np.maximum(profile.min_days, duration) * 86400)
        completed_at = _in_crew_hours(received_at, received_at + seconds.astype("timedelta64[s]"))
        completed = completed_at.astype("datetime64[D]")
        days = (completed - received).astype(np.int64)
    else:
        received_at = completed_at = np.full(size, np.datetime64("NaT"), "datetime64[s]")
        days = np.maximum(profile.min_days, np.round(duration))
        completed = received + days.astype("timedelta64[D]")

    outcome = np.array(profile.outcomes, dtype=object)[
        rng.choice(len(profile.outcomes), size=size, p=np.array(profile.outcome_weights))
    ]
    commercial = rng.random(size) < profile.commercial_share
    uprn = geography.sample_uprns(rng, lsoa_index, commercial).astype(str).astype(object)
    uprn[rng.random(size) < profile.blank_uprn_share] = ""
    pauses = np.where(
        rng.random(size) < pause_probability,
        np.where(rng.random(size) < SECOND_PAUSE_SHARE, 2, 1),
        0,
    )
    pauses[days < 3] = 0
    reason = rng.integers(0, len(profile.pause_reasons), size=(size, 2))
    return pd.DataFrame(
        {
            "council_code": council,
            "service": profile.service,
            "case_type": profile.case_type,
            "team": SERVICE_TEAMS[profile.service],
            "received_date": received,
            "completed_date": completed,
            "received_at": received_at,
            "completed_at": completed_at,
            "outcome": outcome,
            "uprn": uprn,
            "pauses": pauses,
            "reason_1": np.array(profile.pause_reasons, dtype=object)[reason[:, 0]],
            "reason_2": np.array(profile.pause_reasons, dtype=object)[reason[:, 1]],
        }
    )


def _pauses(rng: np.random.Generator, cases: pd.DataFrame) -> pd.DataFrame:
    """Up to two non-overlapping pauses inside each case's received..completed window."""
    received = cases["received_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    completed = cases["completed_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    count = cases["pauses"].to_numpy()
    u = rng.random((len(cases), 4))
    from_1 = received + np.floor(u[:, 0] * 0.5 * (completed - received)).astype(np.int64)
    to_1 = from_1 + np.maximum(1, np.floor(u[:, 1] * 0.5 * (completed - from_1))).astype(np.int64)
    from_2 = to_1 + np.floor(u[:, 2] * 0.5 * (completed - to_1)).astype(np.int64)
    to_2 = from_2 + np.floor(u[:, 3] * 0.6 * (completed - from_2)).astype(np.int64)
    first = count >= 1
    second = (count == 2) & (to_2 > from_2)
    frames = []
    for number, mask, start, end, reason in (
        (1, first, from_1, to_1, "reason_1"),
        (2, second, from_2, to_2, "reason_2"),
    ):
        frames.append(
            pd.DataFrame(
                {
                    "case_id": cases["case_id"].to_numpy()[mask],
                    "number": number,
                    "council_code": cases["council_code"].to_numpy()[mask],
                    "case_received_date": cases["received_date"]
                    .to_numpy()[mask]
                    .astype("datetime64[D]"),
                    "paused_from": start[mask].astype("datetime64[D]"),
                    "paused_to": end[mask].astype("datetime64[D]"),
                    "reason": cases[reason].to_numpy()[mask],
                }
            )
        )
    pauses = pd.concat(frames, ignore_index=True).sort_values(["case_id", "number"])
    pauses.insert(0, "pause_id", pauses["case_id"] + "-P" + pauses["number"].astype(str))
    return pauses.drop(columns="number").reset_index(drop=True)


def _iso(values: np.ndarray, blank: np.ndarray) -> np.ndarray:
    text = values.astype("datetime64[D]").astype(str).astype(object)
    text[blank] = ""
    return text


def _local_time(values: np.ndarray, blank: np.ndarray) -> np.ndarray:
    """Europe/London local times as the contracts take them: YYYY-MM-DD HH:MM:SS."""
    moments = values.astype("datetime64[s]")
    text = np.char.replace(moments.astype(str), "T", " ").astype(object)
    text[blank | np.isnat(moments)] = ""
    return text


def generate_cases(
    seed: int, geography: Geography, month: Month, scale: float, as_of: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cases received in the month, as known at the end of `as_of`'s day, and their pauses."""
    rng = month_rng(seed, STREAM, month)
    times = month_rng(seed, TIME_STREAM, month)
    cases = pd.concat(
        [_cases_for_profile(rng, times, geography, month, p, scale) for p in PROFILES],
        ignore_index=True,
    )
    cases = cases.sort_values("received_date", kind="stable").reset_index(drop=True)
    cases.insert(
        0, "case_id", [f"CASE-{month.start:%Y%m}-{n:06d}" for n in range(1, len(cases) + 1)]
    )
    pauses = _pauses(rng, cases)

    cutoff = np.datetime64(as_of, "D")
    open_case = cases["completed_date"].to_numpy() > cutoff
    cases["completed_date"] = _iso(cases["completed_date"].to_numpy(), open_case)
    cases["completed_at"] = _local_time(cases["completed_at"].to_numpy(), open_case)
    cases["outcome"] = np.where(open_case, "", cases["outcome"].to_numpy())
    not_open = np.zeros(len(cases), bool)
    cases["received_date"] = _iso(cases["received_date"].to_numpy(), not_open)
    cases["received_at"] = _local_time(cases["received_at"].to_numpy(), not_open)

    pauses = pauses[pauses["paused_from"].to_numpy() <= cutoff].reset_index(drop=True)
    ongoing = pauses["paused_to"].to_numpy() > cutoff
    pauses["paused_to"] = _iso(pauses["paused_to"].to_numpy(), ongoing)
    not_blank = np.zeros(len(pauses), bool)
    pauses["paused_from"] = _iso(pauses["paused_from"].to_numpy(), not_blank)
    pauses["case_received_date"] = _iso(pauses["case_received_date"].to_numpy(), not_blank)
    return cases[CASE_COLUMNS], pauses[PAUSE_COLUMNS]
