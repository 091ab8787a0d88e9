"""MHCLG H-CLIC statutory homelessness (detailed LA tables A1, TA1, P1, R1, MD1) -> series.

The published headers changed over the years (footnote digits, re-ordered merged header
cells), so each measure is matched by label text after footnote markers are stripped, never
by spreadsheet column letter.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from orchestration.lib.ingest.reference.common import (
    SERIES_COLUMNS,
    check_unique,
    conform,
    is_council_code,
    quarter_bounds,
    read_official_csv,
    to_number,
)

TABLE = "stats_homelessness"
FILE = "performance/mhclg_hclic_statutory_homelessness_detailed_la_2018q2_to_2025q4_worcs_long.csv"
COLUMNS = SERIES_COLUMNS
HEADER = (
    "quarter_end",
    "source_file",
    "table",
    "table_title",
    "ons_code",
    "la_name",
    "column_letter",
    "column_label",
    "value",
)

# A label deliberately not turned into a series (A1 repeats TA1's household count).
SKIP = "skip"

_SUPERSCRIPTS = re.compile(r"[\u00b9\u00b2\u00b3\u2070-\u2079]")
_ATTACHED_FOOTNOTE = re.compile(r"(?<=[A-Za-z)])\d+(?:,\d+)*(?=\s|$)")
_TRAILING_FOOTNOTE = re.compile(r"\s+\d+(?:,\d+)*$")

_WITHDREW = r"^withdrew application / applicant deceased"
_REASONS_ENDED = [
    (r"^contact lost$", "ended_contact_lost"),
    (r"^no longer eligible$", "ended_no_longer_eligible"),
    (r"(^|\| )not known$", "ended_not_known"),
    (_WITHDREW + r"( \| total withdrew / deceased)?$", "ended_withdrew_or_deceased"),
    (_WITHDREW + r" \| withdrew application$", "ended_withdrew_application"),
    (_WITHDREW + r" \| applicant deceased$", "ended_applicant_deceased"),
    (_WITHDREW + r" \| retired ", "ended_withdrew_or_deceased_retired_option"),
]
_TA_TYPES = [
    (r"^bed and breakfast hotels", "ta_bed_and_breakfast"),
    (r"^nightly paid, privately managed", "ta_nightly_paid_self_contained"),
    (r"^hostels", "ta_hostels"),
    (r"^private sector accommodation leased", "ta_private_sector_leased"),
    (r"^local authority or housing association", "ta_la_ha_stock"),
    (r"^any other type of temporary accommodation", "ta_other"),
    (r"^duty owed, no accommodation secured", "ta_duty_owed_no_accommodation_secured"),
]
_BED_AND_BREAKFAST = r"^bed and breakfast hotels.* \| total with "

_RULES: dict[str, list[tuple[str, str]]] = {
    "A1": [
        (r"^total initial assessments$", "initial_assessments_total"),
        (
            r"^assessed as owed a duty \| total( owed a prevention or relief duty)?$",
            "owed_prevention_or_relief_duty",
        ),
        (r"threatened with homelessness.* - prevention duty owed$", "owed_prevention_duty"),
        (r"homeless - relief duty owed$", "relief_duty_owed"),
        (r"due to service of valid section 21 notice$", "owed_duty_due_to_section_21_notice"),
        (
            r"not (homeless nor )?threatened with homelessness within 56 days - no duty owed$",
            "assessed_not_threatened_no_duty_owed",
        ),
        (r"^not eligible / no longer eligible - no duty owed$", "assessed_not_eligible"),
        (r"^withdrew application before assessment", "withdrew_before_assessment"),
        (
            r"^households assessed as threatened with homelessness per \(000s\)$",
            "threatened_with_homelessness_per_1000_households",
        ),
        (r"^households assessed as homeless per \(000s\)$", "homeless_per_1000_households"),
        (r"^number of households in area \(000s\)$", SKIP),
    ],
    "TA1": [
        (r"^total number of households in ta$", "households_in_temporary_accommodation"),
        (
            r"^total number of households in ta per \(000s\)( households)?$",
            "households_in_temporary_accommodation_per_1000_households",
        ),
        (
            r"^total number of households in ta with children$",
            "households_in_temporary_accommodation_with_children",
        ),
        (r"^total number of children in ta$", "children_in_temporary_accommodation"),
        (r"^number of households (in area|\(.*\)) \(000s\)$", "households_in_area_thousands"),
        (r"^in ta in another local authority district$", "ta_in_another_district"),
        (
            _BED_AND_BREAKFAST + r"16/17-year-old main applicant$",
            "ta_bed_and_breakfast_16_17_year_old_applicant",
        ),
        (
            _BED_AND_BREAKFAST + r"children and resident more than 6 weeks$",
            "ta_bed_and_breakfast_with_children_over_6_weeks",
        ),
        (
            _BED_AND_BREAKFAST + r"children and resident more than 6 weeks and pending review",
            "ta_bed_and_breakfast_with_children_over_6_weeks_pending_review",
        ),
        *[(pattern + r".* \| total number of households$", name) for pattern, name in _TA_TYPES],
        *[
            (pattern + r".* \| total with children$", name + "_with_children")
            for pattern, name in _TA_TYPES
        ],
    ],
    "P1": [
        (
            r"^total number of households (where|whose) prevention duty ended",
            "prevention_duty_ended_total",
        ),
        (
            r"^secured accommodation for 6\+ months \| total( secured accommodation)?$",
            "prevention_accommodation_secured",
        ),
        (
            r"^(?=.*moved to alternative accommodation)(?=.*secured accommodation for 6\+ months)",
            "prevention_secured_alternative_accommodation",
        ),
        (
            r"^(?=.*stayed in existing accommodation)(?=.*secured accommodation for 6\+ months)",
            "prevention_secured_existing_accommodation",
        ),
        (r"^homeless \(including intentionally homeless\)", "prevention_ended_homeless"),
        (r"^56 days elapsed and no further action$", "prevention_ended_56_days_elapsed"),
        (r"^refused suitable accommodation offer$", "prevention_ended_refused_accommodation"),
        (r"^refused to cooperate$", "prevention_ended_refused_to_cooperate"),
        *[(pattern, "prevention_" + name) for pattern, name in _REASONS_ENDED],
    ],
    "R1": [
        (
            r"^total number of households (where|whose) relief duty ended",
            "relief_duty_ended_total",
        ),
        (r"^secured accommodation for 6\+ months$", "relief_accommodation_secured"),
        (r"^56 days elapsed$", "relief_ended_56_days_elapsed"),
        (
            r"^intentionally homeless from accommodation provided$",
            "relief_ended_intentionally_homeless_from_accommodation_provided",
        ),
        (
            r"^local connection referral accepted by other la$",
            "relief_ended_local_connection_referral",
        ),
        (r"^notice served due to refusal to cooperate$", "relief_ended_refused_to_cooperate"),
        (r"^refused final accommodation$", "relief_ended_refused_final_accommodation"),
        *[(pattern, "relief_" + name) for pattern, name in _REASONS_ENDED],
    ],
    "MD1": [
        (r"^total main duty decisions for eligible households$", "main_duty_decisions_total"),
        (r"unintentionally homeless \(acceptance\)$", "main_duty_accepted"),
        (r"priority need \+ intentionally homeless$", "main_duty_intentionally_homeless"),
        (r"^homeless \+ no priority need$", "main_duty_no_priority_need"),
        (r"(^|\| )not homeless$", "main_duty_not_homeless"),
    ],
}
_COMPILED = {
    table: [(re.compile(pattern), series) for pattern, series in rules]
    for table, rules in _RULES.items()
}


def normalise_label(label: str) -> str:
    """Drop footnote markers and case: 'Total initial assessments1,2' -> 'total initial ...'."""
    parts = []
    for part in _SUPERSCRIPTS.sub("", str(label)).split("|"):
        part = _ATTACHED_FOOTNOTE.sub("", part.strip())
        part = _TRAILING_FOOTNOTE.sub("", part)
        parts.append(re.sub(r"\s+", " ", part).strip().lower())
    return " | ".join(parts)


def series_for_label(table: str, label: str) -> str | None:
    """The series name for a published (table, column_label), SKIP, or None if unknown."""
    normalised = normalise_label(label)
    for pattern, series in _COMPILED.get(table, []):
        if pattern.search(normalised):
            return series
    return None


def parse(reference_dir: Path, include_aggregates: bool = False) -> pd.DataFrame:
    """One row per council, quarter and series; England/region rows only if asked for.

    Unknown labels (a future header change) are left out rather than guessed; cells
    published as '..' (not available) or '-' are left out too, so value is never null.
    """
    raw = read_official_csv(reference_dir, FILE, HEADER)
    if not include_aggregates:
        raw = raw[is_council_code(raw["ons_code"])]
    labels = raw[["table", "column_label"]].drop_duplicates()
    labels["series"] = [
        series_for_label(table, label)
        for table, label in zip(labels["table"], labels["column_label"], strict=True)
    ]
    frame = raw.merge(labels, on=["table", "column_label"], how="inner")
    frame = frame[frame["series"].notna() & (frame["series"] != SKIP)].copy()
    frame["value"] = to_number(frame["value"], FILE, "value")
    frame = frame[frame["value"].notna()]
    quarters = {quarter: quarter_bounds(quarter) for quarter in frame["quarter_end"].unique()}
    frame["period_start"] = frame["quarter_end"].map(lambda quarter: quarters[quarter][0])
    frame["period_end"] = frame["quarter_end"].map(lambda quarter: quarters[quarter][1])
    frame["area_code"] = frame["ons_code"].str.strip()
    frame["area_name"] = frame["la_name"].str.strip()
    check_unique(frame, ["area_code", "quarter_end", "series"], FILE)
    frame = frame.sort_values(["area_code", "quarter_end", "series"])
    return conform(frame, COLUMNS, TABLE)
