"""CMT's focus list for a Cabinet meeting: the versioned seed plus the officer app's rows."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

import yaml

from orchestration.lib import environment
from orchestration.lib.registry.measures import load_registry


def seed_path() -> Path:
    return environment.config_dir() / "cmt_focus.yml"


class FocusError(ValueError):
    """A CMT focus list that breaks its rules; the message names the file, line and fix."""


def _line(node, *path) -> int:
    """The 1-based line of the value at `path` (keys and list indices) in a composed YAML
    document, or of the nearest enclosing value that exists."""
    line = node.start_mark.line + 1
    for step in path:
        if isinstance(node, yaml.MappingNode):
            found = [value for key, value in node.value if key.value == step]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            found = node.value[step : step + 1]
        else:
            found = []
        if not found:
            break
        node = found[0]
        line = node.start_mark.line + 1
    return line


def load_lists(path: Path | None = None, known: set[tuple[str, str]] | None = None) -> list:
    """The focus lists, checked as they are loaded: each has a `from` date, a council of the
    registry and measures the registry defines for that council (`known`: (measure_id,
    council_code) pairs, by default from config/measures/). Anything else is a FocusError
    naming the file and line, with the nearest valid ids: nothing is dropped silently."""
    path = Path(path or seed_path())
    text = path.read_text(encoding="utf-8")
    try:
        document, tree = yaml.safe_load(text) or {}, yaml.compose(text)
    except yaml.YAMLError as problem:
        raise FocusError(f"{path.name}: not valid YAML ({problem})") from problem
    if known is None:
        known = {(row["measure_id"], row["council_code"]) for row in load_registry().rows()}
    councils = {council for _, council in known}
    lists = document.get("lists") if isinstance(document, dict) else None
    if not isinstance(lists, list):
        raise FocusError(f"{path.name}, line 1: expected a `lists:` list of focus lists")

    def fail(where: tuple, problem: str):
        raise FocusError(f"{path.name}, line {_line(tree, 'lists', *where)}: {problem}")

    for i, entry in enumerate(lists):
        if not isinstance(entry, dict):
            fail((i,), "each focus list must be a mapping with from, council_code and measures")
        if not isinstance(entry.get("from"), dt.date):
            fail((i, "from"), "`from` must be a date (YYYY-MM-DD)")
        council = entry.get("council_code")
        if council not in councils:
            fail((i, "council_code"), f"{council!r} is not one of {sorted(councils)}")
        measures = entry.get("measures")
        if not isinstance(measures, list) or not measures:
            fail((i, "measures"), "`measures` must be a list of measure_id and reason")
        for j, item in enumerate(measures):
            measure_id = item.get("measure_id") if isinstance(item, dict) else None
            if (measure_id, council) not in known:
                ids = sorted(m for m, c in known if c == council)
                typed = str(measure_id).lower().replace("-", "_")
                nearest = difflib.get_close_matches(typed, ids, n=3, cutoff=0.4)
                hint = f"; did you mean {', '.join(nearest)}?" if nearest else ""
                fail(
                    (i, "measures", j, "measure_id"),
                    f"measure {measure_id!r} is not in the measure registry for {council}{hint}",
                )
    return lists


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
