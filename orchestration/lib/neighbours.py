"""Bromsgrove and its neighbours: the published comparisons as readers see them.

Reads marts.fct_neighbour_comparison (each published measure for the six Worcestershire
districts, with rates and ranks) and marts.dim_nearest_neighbours (the ONS nearest neighbours,
most of which the snapshot does not hold), adds each figure's source and edition from the
reference manifest, and shapes them for one council. The member reports keep the rows in their
snapshot and the public site reads them live; both shape them here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg.rows import dict_row

from orchestration.lib import environment
from orchestration.lib.ingest.reference import manifest

ROWS = [
    "comparison_id", "comparison_name", "source_table", "unit", "polarity", "sort_order",
    "period_start", "period_label", "area_code", "area_name", "value", "rate", "rate_unit",
    "rank_among_neighbours", "districts_ranked", "is_latest_period", "source",
]  # fmt: skip
NEAREST = ["area_code", "neighbour_rank", "neighbour_name", "neighbour_in_snapshot"]
# The history table shows every year of an annual series, the latest quarters of a quarterly one.
HISTORY_PERIODS = 8
# The published measures whose pages show the comparison (measure registry id -> comparison).
MEASURE_COMPARISONS = {
    "saf_flytipping_incidents": "flytipping_incidents",
    "saf_flytipping_per_1000": "flytipping_incidents",
    "saf_recycling_rate": "household_recycling_rate",
    "hou_hclic_owed_prevention_duty": "homelessness_prevention_duty",
    "hou_hclic_relief_duty_owed": "homelessness_relief_duty",
    "hou_hclic_temporary_accommodation": "temporary_accommodation",
}


def read(conn) -> tuple[list[dict], list[dict]]:
    """The comparison rows and the Global-model nearest neighbours, or ([], []) before the
    marts are built."""
    with conn.cursor(row_factory=dict_row) as cursor:
        built = cursor.execute(
            "select to_regclass('marts.fct_neighbour_comparison') is not null as built"
        ).fetchone()["built"]
        if not built:
            return [], []
        rows = cursor.execute(
            "select * from marts.fct_neighbour_comparison "
            "order by sort_order, period_start, area_name"
        ).fetchall()
        nearest = cursor.execute(
            "select area_code, neighbour_rank, neighbour_name, neighbour_in_snapshot "
            "from marts.dim_nearest_neighbours where model = 'Global' "
            "order by area_code, neighbour_rank"
        ).fetchall()
    sources = source_labels()
    for row in rows:
        row["source"] = sources.get(row["source_table"], "")
    return rows, nearest


def source_labels() -> dict[str, str]:
    """loader -> "Publisher, title (edition)" of its first file in the reference manifest."""
    labels: dict[str, str] = {}
    for entry in manifest.load(environment.reference_dir()).values():
        title = entry.title.split(" (")[0].split(", tables")[0]
        labels.setdefault(entry.loader, f"{entry.publisher}: {title} ({entry.edition})")
    return labels


@dataclass
class Comparison:
    name: str
    period_label: str
    source: str
    rate_unit: str
    ranked_on: str
    latest: list[dict] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)
    summary: str = ""


def _number(text) -> float | None:
    if text in (None, ""):
        return None
    return float(text)


def format_value(value, unit: str) -> str:
    number = _number(value)
    if number is None:
        return "not published"
    if unit == "percent":
        return f"{number:.1f}%"
    if unit == "score":
        return f"{number:.1f}"
    return f"{number:,.0f}"


def format_rate(rate) -> str:
    number = _number(rate)
    return "" if number is None else f"{number:,.2f}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rank_text(rank, ranked, polarity: str) -> str:
    if _number(rank) is None:
        return ""
    order = "lowest" if polarity == "lower" else "highest"
    place = int(float(rank))
    return f"{ordinal(place) + ' ' if place > 1 else ''}{order} of {int(float(ranked))}"


def _truthy(value) -> bool:
    return value is True or str(value).lower() in ("true", "t", "1")


def comparisons(rows: list[dict], council_code: str) -> list[Comparison]:
    """Each comparison for one council: the six districts at the latest period, the council's
    own figures over time, and a one-sentence summary."""
    by_id: dict[str, list[dict]] = {}
    for row in rows:
        by_id.setdefault(str(row["comparison_id"]), []).append(row)
    out = []
    for group in sorted(by_id.values(), key=lambda g: float(g[0]["sort_order"])):
        first = group[0]
        unit, polarity = str(first["unit"]), str(first["polarity"])
        latest = [r for r in group if _truthy(r["is_latest_period"])]
        own = [r for r in group if r["area_code"] == council_code]
        if not latest or not own:
            continue
        rate_unit = str(latest[0]["rate_unit"] or "")
        shape = [
            {
                "area": str(r["area_name"]),
                "own": r["area_code"] == council_code,
                "value": format_value(r["value"], unit),
                "rate": format_rate(r["rate"]),
                "rank": rank_text(r["rank_among_neighbours"], r["districts_ranked"], polarity),
                "sort": _number(r["rank_among_neighbours"]) or 99,
            }
            for r in latest
        ]
        shape.sort(key=lambda r: (r["sort"], r["area"]))
        history = [
            {
                "period": str(r["period_label"]),
                "value": format_value(r["value"], unit),
                "rate": format_rate(r["rate"]),
                "rank": rank_text(r["rank_among_neighbours"], r["districts_ranked"], polarity),
            }
            for r in sorted(own, key=lambda r: str(r["period_start"]))
        ]
        if len(history) > HISTORY_PERIODS and "to" in history[-1]["period"]:
            history = history[-HISTORY_PERIODS:]
        mine = next((r for r in shape if r["own"]), None)
        measure = f"{rate_unit}" if rate_unit else ""
        summary = ""
        if mine:
            figure = f"{mine['rate']} {measure}" if rate_unit else mine["value"]
            summary = f"{figure} in {latest[0]['period_label']}" + (
                f": {mine['rank']} Worcestershire districts" if mine["rank"] else ""
            )
        out.append(
            Comparison(
                name=str(first["comparison_name"]),
                period_label=str(latest[0]["period_label"]),
                source=str(first.get("source") or ""),
                rate_unit=rate_unit,
                ranked_on=(f"the rate {rate_unit}" if rate_unit else "the published figure"),
                latest=shape,
                history=history,
                summary=summary,
            )
        )
    return out


def nearest_note(nearest: list[dict], council_code: str, council_name: str) -> str:
    """Say which ONS nearest neighbours the comparison lacks, rather than invent them."""
    mine = [r for r in nearest if r["area_code"] == council_code]
    if not mine:
        return ""
    outside = [str(r["neighbour_name"]) for r in mine if not _truthy(r["neighbour_in_snapshot"])]
    inside = [str(r["neighbour_name"]) for r in mine if _truthy(r["neighbour_in_snapshot"])]
    nearest_five = ", ".join(str(r["neighbour_name"]) for r in mine[:5])
    text = (
        f"The Office for National Statistics names {council_name}'s nearest statistical "
        f"neighbours (2025, Global model) as {nearest_five} and {len(mine) - 5} more. "
    )
    if outside:
        share = "All" if not inside else f"{len(outside)} of the {len(mine)}"
        text += (
            f"{share} are outside Worcestershire and their figures are not held here, so the "
            "comparison is with the Worcestershire districts"
        )
        text += f" ({', '.join(inside)} among the nearest)." if inside else "."
    return text
