"""CMT's focus list for a Cabinet meeting: the versioned seed plus the officer app's rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from orchestration.lib import environment, yamlfiles
from orchestration.lib.registers import known, validate
from orchestration.lib.registers.base import References
from orchestration.lib.registers.problems import RegisterError
from orchestration.lib.registers.reporting import FocusLists


def seed_path() -> Path:
    return environment.config_dir() / "cmt_focus.yml"


# A focus list that breaks its rules: the one error of every register, by its old name.
FocusError = RegisterError


def load_lists(path: Path | None = None, refs: References | None = None) -> list[dict]:
    """The focus lists, checked as they are loaded: each has a `from` date, a council of
    config/councils.yml and measures the registry defines for that council (`refs`: by
    default from config/). Anything else is a FocusError naming the file and line, with the
    nearest valid ids: nothing is dropped silently."""
    document = yamlfiles.read(Path(path or seed_path()))
    refs = refs or known.references(measures=True)
    return validate.load(document, FocusLists, refs).model_dump(by_alias=True)["lists"]


def seed_focus(council_code: str, cabinet_date: dt.date, path: Path | None = None) -> list[dict]:
    """The newest seed list for the council that starts on or before the meeting."""
    current = [
        entry
        for entry in load_lists(path)
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
            "source": f"CMT's focus list from {chosen['from']:%-d %B %Y}",
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
            "source": "added by the Policy Team in the Dashboard",
        }
    return [merged[measure_id] for measure_id in order]
