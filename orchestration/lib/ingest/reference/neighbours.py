"""ONS statistical nearest neighbours (Clustering similar local authorities, UK, 2025)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from orchestration.lib.ingest.reference.common import check_unique, conform, read_official_csv

TABLE = "ref_nearest_neighbours"
FILE = "other_indicators/ons_clustering_2025_nearest_neighbours_worcs.csv"
NEIGHBOURS = 20
COLUMNS = {
    "model": "text",
    "area_code": "text",
    "area_name": "text",
    "neighbour_rank": "integer",
    "neighbour_code": "text",
    "neighbour_name": "text",
}
_ID_COLUMNS = ("Model", "Local Authority Code", "Local Authority Name")
_NEIGHBOUR_COLUMNS = tuple(
    f"Neighbour {rank}: {part}" for rank in range(1, NEIGHBOURS + 1) for part in ("code", "name")
)


def parse(reference_dir: Path) -> pd.DataFrame:
    """One row per council, model (Global, Economic, Demographic) and neighbour, nearest first."""
    raw = read_official_csv(reference_dir, FILE, _ID_COLUMNS + _NEIGHBOUR_COLUMNS)
    parts = [
        pd.DataFrame(
            {
                "model": raw["Model"],
                "area_code": raw["Local Authority Code"],
                "area_name": raw["Local Authority Name"],
                "neighbour_rank": rank,
                "neighbour_code": raw[f"Neighbour {rank}: code"],
                "neighbour_name": raw[f"Neighbour {rank}: name"],
            }
        )
        for rank in range(1, NEIGHBOURS + 1)
    ]
    frame = pd.concat(parts, ignore_index=True)
    frame = frame[frame["neighbour_code"].str.strip() != ""]
    check_unique(frame, ["model", "area_code", "neighbour_rank"], FILE)
    frame = frame.sort_values(["area_code", "model", "neighbour_rank"])
    return conform(frame, COLUMNS, TABLE)
