"""Build the publish.* tables (the only thing public outputs read) with disclosure control.

Reads marts, analysis and input as the warehouse owner; writes publish.* in one transaction, so
readers (the `public_reader` role) see either the old or the new tables, never half of each.
No personal field is selected from any source: the column lists below are the whole story.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass

import psycopg
from psycopg import sql

from orchestration.lib import descriptions
from orchestration.lib.publishing import disclosure
from orchestration.lib.publishing.disclosure import Relation

log = logging.getLogger(__name__)

SMALL_AREAS = ("ward", "locality")
COUNT_COLUMNS = ("numerator", "denominator")
QUALITY_ORDER = {"pass": 0, "waived": 1, "warn": 2, "fail": 3}

TABLES = {
    "purposes": """purpose_code text primary key, purpose_name text not null,
        description text, sort_order int""",
    "measures": """measure_id text, council_code text, name text not null, purpose_code text,
        kind text, service_area text, portfolio text, definition text,
        numerator_definition text, denominator_definition text, unit text, polarity text,
        frequency text, target numeric, source text, data_quality_notes text, is_key boolean,
        target_basis text, target_source text, target_set_by text, target_set_on date,
        no_target_reason text, signals_reason text,
        primary key (measure_id, council_code)""",
    "measure_values": """measure_id text, council_code text, period_start date,
        period_end date, geography_type text, geography_code text, geography_name text,
        numerator numeric, denominator numeric, value numeric, numerator_marker text,
        denominator_marker text, value_marker text, status text, status_marker text,
        last_updated timestamptz,
        primary key (measure_id, council_code, period_start, period_end, geography_type,
                     geography_code)""",
    "measure_charts": """measure_id text, council_code text, variation_icon text,
        assurance_icon text, spc_shown boolean, n int, latest_period_start date,
        latest_value numeric, text_alternative text, chart_svg text, no_signal_reason text,
        primary key (measure_id, council_code)""",
    "quality_marks": """measure_id text, council_code text, period_start date, mark text,
        failing_criteria text, primary key (measure_id, council_code, period_start)""",
    "commentary": """measure_id text, council_code text, period_start date,
        what_data_shows text, why text, what_we_are_doing text, confirmed_on date""",
    "ward_profiles": """council_code text, ward_code text, ward_name text,
        locality_code text, population numeric, households numeric, imd_score numeric,
        imd_decile int, population_marker text, households_marker text, as_of date,
        primary key (council_code, ward_code)""",
    "locality_profiles": """council_code text, locality_code text, locality_name text,
        population numeric, households numeric, imd_score numeric, imd_decile int,
        ward_count int, population_marker text, households_marker text, as_of date,
        primary key (council_code, locality_code)""",
    "cost_of_service": """council_code text, service text, period_start date,
        period_end date, spend numeric, transactions numeric, cost_per_transaction numeric,
        cost_per_transaction_marker text""",
    # Published statistics only (ONS, MHCLG, Defra), already public: no disclosure control.
    "neighbour_comparison": """comparison_id text, period_start date, area_code text,
        comparison_name text, source_table text, unit text, polarity text, sort_order int,
        period_label text, area_name text, value numeric, rate numeric, rate_unit text,
        rank_among_neighbours int, districts_ranked int, is_latest_period boolean,
        primary key (comparison_id, period_start, area_code)""",
    "nearest_neighbours": """area_code text, neighbour_rank int, neighbour_name text,
        neighbour_in_snapshot boolean, primary key (area_code, neighbour_rank)""",
}

# Localities are named in the marts; their public code is the name as a URL slug.
LOCALITY_CODE = "lower(regexp_replace(locality, '[^A-Za-z0-9]+', '-', 'g'))"

# Source columns read (per docs/tables.md; profiles and cost as documented in docs/site.md).
SOURCES = {
    "purposes": (
        "marts.dim_purposes",
        "purpose_code, purpose_name, description, sort_order",
    ),
    "measures": (
        "marts.dim_measures",
        "measure_id, council_code, name, purpose_code, kind, service_area, portfolio, definition,"
        " numerator_definition, denominator_definition, unit, polarity, frequency, target, source,"
        " data_quality_notes, is_key, target_basis, target_source, target_set_by, target_set_on,"
        " no_target_reason, signals_reason",
    ),
    "ward_profiles": (
        "marts.profile_wards",
        f"council_code, ward_code, ward_name, {LOCALITY_CODE} as locality_code, population,"
        " null::numeric as households, imd_average_score as imd_score,"
        " imd_most_deprived_decile as imd_decile, null::date as as_of",
    ),
    "locality_profiles": (
        "marts.profile_localities",
        f"council_code, {LOCALITY_CODE} as locality_code, locality as locality_name,"
        " population, null::numeric as households, imd_average_score as imd_score,"
        " imd_most_deprived_decile as imd_decile, wards as ward_count, null::date as as_of",
    ),
    "neighbour_comparison": (
        "marts.fct_neighbour_comparison",
        "comparison_id, period_start, area_code, comparison_name, source_table, unit, polarity,"
        " sort_order, period_label, area_name, value, rate, rate_unit, rank_among_neighbours,"
        " districts_ranked, is_latest_period",
    ),
    "cost_of_service": (
        "marts.fct_cost_of_service",
        "council_code, service, period_month as period_start,"
        " (period_month + interval '1 month' - interval '1 day')::date as period_end,"
        " net_cost as spend, transactions, cost_per_transaction",
    ),
}


@dataclass
class PublishResult:
    rows: dict[str, int]
    suppressed: int
    missing_sources: list[str]

    def summary(self) -> str:
        total = sum(self.rows.values())
        text = f"publish: {total} rows in {len(self.rows)} tables, {self.suppressed} cells [c]"
        if self.missing_sources:
            text += f"; not built yet (empty): {', '.join(self.missing_sources)}"
        return text


def _exists(conn, table: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (table,)).fetchone()[0]


def _fetch(conn, query: str, params=()) -> list[dict]:
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(query, params)
        return cur.fetchall()


def build_publish(url: str, threshold: int = disclosure.DEFAULT_THRESHOLD) -> PublishResult:
    """Rebuild every publish.* table from marts/analysis/input, disclosure applied."""
    with psycopg.connect(url) as conn:
        conn.execute("create schema if not exists publish")
        sources = _Sources(conn)
        tables, units = _read_tables(sources)
        suppressed = _protect_tables(tables, units, threshold)
        counts = _write_tables(conn, tables)
    result = PublishResult(counts, suppressed, sorted(set(sources.missing)))
    log.info(result.summary())
    return result


class _Sources:
    """Reads the sources in the publishing transaction. A source not built yet reads as no
    rows and is noted, so its publish table is published empty rather than failing the rest."""

    def __init__(self, conn):
        self.conn = conn
        self.missing: list[str] = []

    def read(self, source: str, columns: str, where: str = "") -> list[dict]:
        if not _exists(self.conn, source):
            self.missing.append(source)
            return []
        return _fetch(self.conn, f"select {columns} from {source} {where}")


def _read_tables(sources: _Sources) -> tuple[dict[str, list[dict]], dict[tuple, str]]:
    """Every publish table's rows as read, before disclosure control: only public measures'
    figures, charts, quality marks and commentary (signed off and public). Returns the tables
    and each public measure's unit (which columns of its values count people or things)."""
    tables: dict[str, list[dict]] = {}
    for name, (source, columns) in SOURCES.items():
        tables[name] = sources.read(source, columns)
    public_measures = sources.read(
        "marts.dim_measures", "measure_id, council_code, unit", "where is_public"
    )
    public_keys = {(m["measure_id"], m["council_code"]) for m in public_measures}
    tables["measures"] = _public(tables["measures"], public_keys)
    units = {(m["measure_id"], m["council_code"]): m["unit"] for m in public_measures}

    tables["measure_values"] = _public(
        sources.read(
            "marts.fct_measure_values",
            "measure_id, council_code, period_start, period_end, geography_type,"
            " case when geography_type = 'locality' then"
            f" {LOCALITY_CODE.replace('locality,', 'geography_code,')}"
            " else geography_code end as geography_code,"
            " numerator, denominator, value, status, loaded_at",
        ),
        public_keys,
    )
    tables["measure_charts"] = _public(
        sources.read(
            "analysis.measure_icons",
            "measure_id, council_code, variation_icon, assurance_icon, spc_shown, n,"
            " latest_period_start, latest_value, text_alternative, chart_svg, no_signal_reason",
        ),
        public_keys,
    )
    tables["quality_marks"] = quality_marks(
        sources.read(
            "marts.measure_quality", "measure_id, council_code, period_start, criterion, status"
        ),
        public_keys,
    )
    tables["commentary"] = _public(
        sources.read(
            "input.commentary",
            "measure_id, council_code, period_start, what_data_shows, why, what_we_are_doing,"
            " (confirmed_at at time zone 'Europe/London')::date as confirmed_on",
            # Only commentary a Director has signed off (docs/webapp.md), never drafts,
            # submissions, returns or commentary only the manager has confirmed.
            "where is_public and status = 'signed_off'",
        ),
        public_keys,
    )
    tables["nearest_neighbours"] = sources.read(
        "marts.dim_nearest_neighbours",
        "area_code, neighbour_rank, neighbour_name, neighbour_in_snapshot",
        "where model = 'Global'",
    )
    return tables, units


def _public(rows: list[dict], public_keys: set[tuple]) -> list[dict]:
    """The rows of public measures only (keyed by measure and council)."""
    return [r for r in rows if (r["measure_id"], r["council_code"]) in public_keys]


def _protect_tables(tables: dict[str, list[dict]], units: dict, threshold: int) -> int:
    """Disclosure control, table by table, in place: measure values (small-area counts and the
    rates built on them), ward and locality profiles (population, households), and the marker
    of each cost per transaction. Returns the number of cells suppressed."""
    suppressed = _protect_values_table(tables, units, threshold)
    suppressed += protect_profiles(tables, threshold)
    for row in tables["cost_of_service"]:
        row["cost_per_transaction_marker"] = (
            disclosure.NOT_AVAILABLE if row["cost_per_transaction"] is None else None
        )
    return suppressed


def _protect_values_table(tables: dict[str, list[dict]], units: dict, threshold: int) -> int:
    """publish.measure_values: small-area counts protected over wards and localities together
    (a locality's wards are known from the ward profiles), each area named from the profiles."""
    ward_locality = {
        (w["council_code"], w["ward_code"]): w["locality_code"] for w in tables["ward_profiles"]
    }
    names = {("ward", w["ward_code"]): w["ward_name"] for w in tables["ward_profiles"]}
    names |= {
        ("locality", loc["locality_code"]): loc["locality_name"]
        for loc in tables["locality_profiles"]
    }
    rows, suppressed = protect_measure_values(
        tables["measure_values"], units, ward_locality, threshold
    )
    for row in rows:
        row["geography_name"] = names.get((row["geography_type"], row["geography_code"]))
    tables["measure_values"] = rows
    return suppressed


def _write_tables(conn, tables: dict[str, list[dict]]) -> dict[str, int]:
    """Replace each publish table (one with no rows read is published empty) and let the
    public reader and analysts read them. Returns the rows written per table."""
    counts = {}
    for name, definition in TABLES.items():
        _replace_table(conn, name, definition, tables.get(name, []))
        counts[name] = len(tables.get(name, []))
    # The tables were made anew: their descriptions (table_descriptions.yml) go back on them.
    descriptions.apply(conn, "publish", TABLES)
    conn.execute("grant usage on schema publish to public_reader, analyst")
    conn.execute("grant select on all tables in schema publish to public_reader, analyst")
    return counts


def _replace_table(conn, name: str, definition: str, rows: list[dict]) -> None:
    table = sql.Identifier("publish", name)
    conn.execute(sql.SQL("drop table if exists {}").format(table))
    conn.execute(sql.SQL("create table {} (" + definition + ")").format(table))
    if not rows:
        return
    columns = _columns(definition)
    with conn.cursor() as cur:
        with cur.copy(
            sql.SQL("copy {} ({}) from stdin").format(
                table, sql.SQL(", ").join(map(sql.Identifier, columns))
            )
        ) as copy:
            for row in rows:
                copy.write_row([row.get(column) for column in columns])


def _columns(definition: str) -> list[str]:
    body = re.sub(r",\s*primary key \([^)]*\)", "", definition)
    return [part.split()[0] for part in body.split(",") if part.split()]


def protect_measure_values(values, units, ward_locality, threshold):
    """Suppress small-area counts (and the rates built on them) per measure, council, period."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for v in values:
        groups[(v["measure_id"], v["council_code"], v["period_start"], v["period_end"])].append(v)
    out: list[dict] = []
    suppressed = 0
    for key, rows in groups.items():
        unit = units.get(key[:2])
        columns = COUNT_COLUMNS + (("value",) if unit == "count" else ())
        hidden_by_column = {}
        for column in columns:
            counts = {
                (r["geography_type"], r["geography_code"]): _number(r[column])
                for r in rows
                if r["geography_type"] in SMALL_AREAS
            }
            if not disclosure.primary(counts, threshold):
                hidden_by_column[column] = set()
                continue
            relations = area_relations(counts, key[1], ward_locality)
            hidden_by_column[column] = disclosure.protect(counts, relations, threshold)
        if unit == "count":
            both = hidden_by_column["numerator"] | hidden_by_column["value"]
            hidden_by_column["numerator"] = hidden_by_column["value"] = both
        for r in rows:
            cell = (r["geography_type"], r["geography_code"])
            row = dict(r)
            markers = {}
            for column in COUNT_COLUMNS:
                markers[column] = cell in hidden_by_column.get(column, set())
            value_hidden = disclosure.rate_hidden(
                markers["numerator"], markers["denominator"]
            ) or cell in hidden_by_column.get("value", set())
            markers["value"] = value_hidden
            for column in (*COUNT_COLUMNS, "value"):
                if markers[column]:
                    row[column] = None
                    row[f"{column}_marker"] = disclosure.SUPPRESSED
                    suppressed += 1
                elif row[column] is None:
                    row[f"{column}_marker"] = disclosure.NOT_AVAILABLE
                else:
                    row[f"{column}_marker"] = None
            row["status_marker"] = disclosure.status_marker(row["status"])
            row["last_updated"] = row.pop("loaded_at")
            out.append(row)
    return out, suppressed


def area_relations(counts, council_code, ward_locality) -> list[Relation]:
    """The sums a reader knows: all wards, and all localities with the wards in none (each the
    council's figure), and the wards of each locality minus the locality (zero)."""
    wards = [c for c in counts if c[0] == "ward"]
    localities = [c for c in counts if c[0] == "locality"]
    by_locality: dict[str, list] = defaultdict(list)
    loose = []
    for cell in wards:
        locality = ward_locality.get((council_code, cell[1]))
        if locality:
            by_locality[locality].append(cell)
        else:
            loose.append(cell)
    relations = [Relation.of(wards), Relation.of([*localities, *loose])]
    for locality, members in by_locality.items():
        cell = ("locality", locality)
        relations.append(Relation.of([*members, cell], minus=[cell]))
    return relations


def protect_profiles(tables, threshold) -> int:
    """Population and household counts of wards and localities (rarely small, but checked)."""
    suppressed = 0
    ward_locality = {
        (w["council_code"], w["ward_code"]): w["locality_code"] for w in tables["ward_profiles"]
    }
    councils = {w["council_code"] for w in tables["ward_profiles"]} | {
        loc["council_code"] for loc in tables["locality_profiles"]
    }
    for council in councils:
        for column in ("population", "households"):
            counts = {
                ("ward", w["ward_code"]): _number(w[column])
                for w in tables["ward_profiles"]
                if w["council_code"] == council
            } | {
                ("locality", loc["locality_code"]): _number(loc[column])
                for loc in tables["locality_profiles"]
                if loc["council_code"] == council
            }
            hidden = disclosure.protect(
                counts, area_relations(counts, council, ward_locality), threshold
            )
            for kind, rows, code in (
                ("ward", tables["ward_profiles"], "ward_code"),
                ("locality", tables["locality_profiles"], "locality_code"),
            ):
                for row in rows:
                    if row["council_code"] != council:
                        continue
                    if (kind, row[code]) in hidden:
                        row[column] = None
                        row[f"{column}_marker"] = disclosure.SUPPRESSED
                        suppressed += 1
                    else:
                        marker = disclosure.NOT_AVAILABLE if row[column] is None else None
                        row[f"{column}_marker"] = marker
    return suppressed


def quality_marks(rows, public_keys) -> list[dict]:
    """The quality mark of a figure: the worst status over its criteria."""
    worst: dict[tuple, tuple[str, list[str]]] = {}
    for r in rows:
        if (r["measure_id"], r["council_code"]) not in public_keys:
            continue
        key = (r["measure_id"], r["council_code"], r["period_start"])
        mark, failing = worst.get(key, ("pass", []))
        status = r["status"]
        if status in ("warn", "fail"):
            failing = [*failing, r["criterion"]]
        if QUALITY_ORDER.get(status, 0) > QUALITY_ORDER[mark]:
            mark = status
        worst[key] = (mark, failing)
    return [
        {
            "measure_id": key[0],
            "council_code": key[1],
            "period_start": key[2],
            "mark": mark,
            "failing_criteria": ", ".join(sorted(set(failing))) or None,
        }
        for key, (mark, failing) in worst.items()
    ]


def _number(value):
    return None if value is None else float(value)
