"""CMT's focus list for a Cabinet meeting: the versioned seed plus the officer app's rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from orchestration.lib import environment


def seed_path() -> Path:
    return environment.config_dir() / "cmt_focus.yml"


def seed_focus(council_code: str, cabinet_date: dt.date, path: Path | None = None) -> list[dict]:
    """The newest seed list for the council that starts on or before the meeting."""
    lists = yaml.safe_load((path or seed_path()).read_text()).get("lists", [])
    current = [
        entry
        for entry in lists
        if entry["council_code"] == council_code and entry["from"] <= cabinet_date
    ]
    if not current:
        return []
    chosen = max(current, key=lambda entry: entry["from"])
    return [
        {
            "measure_id": item["measure_id"],
            "council_code": council_code,
            "reason": item.get("reason", ""),
            "added_by": chosen.get("added_by", ""),
            "source": f"cmt_focus.yml (list from {chosen['from']:%d %B %Y})",
        }
        for item in chosen["measures"]
    ]


def merge(seed: list[dict], app_rows: list[dict]) -> list[dict]:
    """App rows extend the seed; a row for a listed measure replaces its reason and author."""
    merged = {row["measure_id"]: dict(row) for row in seed}
    order = [row["measure_id"] for row in seed]
    for row in sorted(app_rows, key=lambda r: (str(r.get("added_at") or ""), r["measure_id"])):
        if row["measure_id"] not in merged:
            order.append(row["measure_id"])
        merged[row["measure_id"]] = {
            "measure_id": row["measure_id"],
            "council_code": row["council_code"],
            "reason": row.get("reason") or merged.get(row["measure_id"], {}).get("reason", ""),
            "added_by": row.get("added_by") or "",
            "source": "officer app (input.cmt_focus)",
        }
    return [merged[measure_id] for measure_id in order]
