"""Defra ENV24 fly-tipping incidents and enforcement actions (LA_incidents, LA_actions)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from orchestration.lib.ingest.reference.common import (
    SERIES_COLUMNS,
    add_financial_year,
    check_unique,
    conform,
    is_council_code,
    read_official_csv,
    snake_case,
    wide_to_series,
)

TABLE = "stats_flytipping"
INCIDENTS_FILE = "performance/defra_env24_flytipping_incidents_2012-13_to_2021-22_worcs.csv"
ACTIONS_FILE = "performance/defra_env24_flytipping_actions_2012-13_to_2021-22_worcs.csv"
FILES = (INCIDENTS_FILE, ACTIONS_FILE)
COLUMNS = SERIES_COLUMNS

ID_COLUMNS = ("Year", "ONS Code", "LA Name", "Region")
INCIDENT_COLUMNS = (
    "Total Incidents",
    "Highway Incidents",
    "Footpath / Bridleway Incidents",
    "Back Alleyway Incidents",
    "Railway Incidents",
    "Council Land Incidents",
    "Agricultural Incidents",
    "Private / Residential Incidents",
    "Commercial / Industrial Incidents",
    "Watercourse / Bank Incidents",
    "Other (unidentified) Incidents",
    "Animal Carcass Incidents",
    "Green Incidents",
    "Vehicle Parts Incidents",
    "White Goods Incidents",
    "Other Electrical Incidents",
    "Tyres Incidents",
    "Asbestos Incidents",
    "Clinical Incidents",
    "Constr / Demol / Excav Incidents",
    "Black Bags - Commercial Incidents",
    "Black Bags - Household Incidents",
    "Chemical Drums, Oil, Fuel Incidents",
    "Other Household Waste Incidents",
    "Other Commercial Waste Incidents",
    "Primary Waste Type Measures Other (unidentified) Incidents",
    "Single Black Bag Incidents",
    "Single Black Bag Clearance Costs (£)",
    "Single Item Incidents",
    "Single Item Clearance Costs (£)",
    "Car Boot or Less Incidents",
    "Car Boot or Less Clearance Costs (£)",
    "Small Van Load Incidents",
    "Small Van Load Clearance Costs (£)",
    "Transit Van Load Incidents",
    "Transit Van Load Clearance Costs (£)",
    "Tipper Lorry Load Incidents",
    "Tipper Lorry Load Clearance Costs (£)",
    "Significant / Multi Loads Incidents",
    "Sig / Multi Loads Clearance Costs (£)",
    "Total Incidents Clearance Costs (£)",
    "Mid population estimates",
    "Incidents per 1,000 people",
)
ACTION_COLUMNS = (
    "Total Actions",
    "Investigation Actions",
    "Investigation Action Costs (£)",
    "Warning Letter Actions",
    "Warning Letter Action Costs (£)",
    "Statutory Notice Actions",
    "Statutory Notice Action Costs (£)",
    "Fixed Penalty Notices issued specifically for fly-tipping",
    "Fixed Penalty Notices issued for Household Duty of Care",
    "Littering Fixed Penalty Notices issued in conjunction with fly-tipping",
    "All Other Fixed Penalty Notices issued",
    "Total Fixed Penalty Notice Actions",
    "Fixed Penalty Notice Action Costs (£)",
    "Duty of Care Inspection Actions",
    "Duty of Care Inspect Action Costs (£)",
    "Stop and Search Actions",
    "Stop and Search Action Costs (£)",
    "Vehicles seized",
    "Vehicles seized cost (£)",
    "Formal Caution Actions",
    "Formal Caution Action Costs (£)",
    "Prosecution Actions",
    "Prosecution Action Costs (£)",
    "Injunction Actions",
    "Injunction Action Costs (£)",
    "Absolute / Cond Discharge Outcomes",
    "Community Service Outcomes",
    "Fine Outcomes (issued by courts)",
    "Custodial Sentence Outcomes",
    "Other (successful) Outcomes",
    "Cases Lost Outcomes",
    "Paid Fixed Penalty Notice Outcomes",
    "£0 to £50 fines",
    "£51 to £200 fines",
    "£201 to £500 fines",
    "£501 to £1000 fines",
    "£1001 to £5000 fines",
    "£5001 to £20000 fines",
    "£20001 to £50000 fines",
    "over £50000 fines",
    "Total fines (£)",
)
_OVERRIDES = {
    "Total Incidents": "flytipping_incidents_total",
    "Total Actions": "flytipping_enforcement_actions",
    "Total Incidents Clearance Costs (£)": "flytipping_clearance_costs_total_gbp",
    "Mid population estimates": "flytipping_population_denominator",
    "£0 to £50 fines": "flytipping_fines_gbp_0_to_50",
    "£51 to £200 fines": "flytipping_fines_gbp_51_to_200",
    "£201 to £500 fines": "flytipping_fines_gbp_201_to_500",
    "£501 to £1000 fines": "flytipping_fines_gbp_501_to_1000",
    "£1001 to £5000 fines": "flytipping_fines_gbp_1001_to_5000",
    "£5001 to £20000 fines": "flytipping_fines_gbp_5001_to_20000",
    "£20001 to £50000 fines": "flytipping_fines_gbp_20001_to_50000",
    "over £50000 fines": "flytipping_fines_gbp_over_50000",
}


def series_name(official_column: str) -> str:
    """'Highway Incidents' -> 'flytipping_highway_incidents' unless overridden above."""
    return _OVERRIDES.get(official_column, "flytipping_" + snake_case(official_column))


def _read(reference_dir: Path, relative_path: str, value_columns: tuple[str, ...]):
    raw = read_official_csv(reference_dir, relative_path, ID_COLUMNS + value_columns)
    # England and regional totals carry "*Total" instead of a code; keep councils only.
    raw = raw[is_council_code(raw["ONS Code"])]
    names = {column: series_name(column) for column in value_columns}
    long = wide_to_series(raw, ID_COLUMNS, names, relative_path)
    return long[long["value"].notna()]


def parse(reference_dir: Path) -> pd.DataFrame:
    frame = pd.concat(
        [
            _read(reference_dir, INCIDENTS_FILE, INCIDENT_COLUMNS),
            _read(reference_dir, ACTIONS_FILE, ACTION_COLUMNS),
        ],
        ignore_index=True,
    )
    frame = add_financial_year(frame, "Year")
    frame["area_code"] = frame["ONS Code"].str.strip()
    frame["area_name"] = frame["LA Name"].str.strip()
    check_unique(frame, ["area_code", "period_start", "series"], INCIDENTS_FILE)
    frame = frame.sort_values(["area_code", "period_start", "series"])
    return conform(frame, COLUMNS, TABLE)
