"""A small warehouse of source tables (marts, analysis, input) shaped as docs/tables.md says.

For tests and for trying the public site without the whole pipeline: both councils, a few
measures with real capability charts, ward and locality values with small counts that need
suppressing, commentary in every state (with officers' names that must never be published).
"""

from __future__ import annotations

import datetime as dt
import random

import psycopg

from orchestration.lib import spc
from orchestration.lib.spc import charts
from tests.support.marts import DIM_MEASURES_SQL

COUNCILS = {"E07000234": "BDC", "E07000236": "RBC"}
PURPOSES = [
    ("home", "Help me to find somewhere to live in my locality", "Housing and homes", 1),
    ("safe_place", "Keep my place safe and looking good", "Clean, safe places", 6),
    ("enabling", "Enable others to work to purpose", "How the council runs", 7),
]
MEASURES = [  # id, name, purpose, unit, polarity, is_public, is_key
    (
        "hou_prevention_rate",
        "Homelessness cases prevented",
        "home",
        "percent",
        "higher",
        True,
        True,
    ),
    ("env_flytip_reports", "Fly-tipping reports", "safe_place", "count", "lower", True, False),
    (
        "enb_foi_days",
        "Days to answer a Freedom of Information request",
        "enabling",
        "days",
        "lower",
        True,
        True,
    ),
    ("enb_internal_only", "Internal staffing measure", "enabling", "count", "lower", False, False),
]
OFFICER = "Jane Example-Officer"
DIRECTOR = "Dana Example-Director"
MONTHS = 18
FIRST_MONTH = dt.date(2024, 10, 1)

DDL = f"""
create table if not exists marts.dim_purposes (purpose_code text primary key, purpose_name text,
    director text, description text, sort_order int);
{DIM_MEASURES_SQL}
create table if not exists marts.fct_measure_values (measure_id text, council_code text,
    period_start date, period_end date, geography_type text, geography_code text,
    numerator numeric, denominator numeric, value numeric, status text, loaded_at timestamptz);
create table if not exists marts.measure_quality (measure_id text, council_code text,
    period_start date, criterion text, status text, evidence text, checked_at timestamptz);
create table if not exists analysis.measure_icons (measure_id text, council_code text,
    variation_icon text, assurance_icon text, spc_shown boolean, n int,
    latest_period_start date, latest_value numeric, previous_value numeric, warnings text,
    text_alternative text, chart_svg text, no_signal_reason text);
create table if not exists input.commentary (measure_id text, council_code text,
    period_start date, what_data_shows text, what_we_are_doing text, author text, status text,
    confirmed_by text, confirmed_at timestamptz, return_reason text, updated_at timestamptz,
    is_public boolean, signed_off_by text, signed_off_at timestamptz, why text);
create table if not exists marts.profile_wards (council_code text, ward_code text,
    ward_name text, locality text, population numeric, imd_average_score numeric,
    imd_most_deprived_decile int, contacts_last_12_months numeric,
    contacts_per_1000_residents numeric, failure_demand_pct numeric);
create table if not exists marts.profile_localities (council_code text, locality text,
    wards int, population numeric, imd_average_score numeric, imd_most_deprived_decile int,
    contacts_last_12_months numeric, contacts_per_1000_residents numeric);
create table if not exists marts.fct_cost_of_service (council_code text, service text,
    period_month date, budget numeric, actual numeric, income numeric, net_cost numeric,
    fte numeric, transactions numeric, failure_transactions numeric,
    cost_per_transaction numeric, cost_of_failure_demand numeric);
create table if not exists marts.fct_neighbour_comparison (comparison_id text,
    comparison_name text, source_table text, unit text, polarity text, sort_order int,
    period_start date, period_end date, period_label text, area_code text, area_name text,
    value numeric, rate numeric, rate_unit text, denominator numeric,
    is_platform_council boolean, rank_among_neighbours int, districts_ranked int,
    rank_order text, is_latest_period boolean);
create table if not exists marts.dim_nearest_neighbours (model text, area_code text,
    area_name text, neighbour_rank int, neighbour_code text, neighbour_name text,
    neighbour_in_snapshot boolean);
"""


def months(count: int = MONTHS) -> list[tuple[dt.date, dt.date]]:
    out = []
    start = FIRST_MONTH
    for _ in range(count):
        following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        out.append((start, following - dt.timedelta(days=1)))
        start = following
    return out


def wards(council: str) -> list[tuple[str, str, str]]:
    """(ward_code, ward_name, locality_code): six wards in two localities."""
    prefix = "E05009" if council == "E07000234" else "E05012"
    names = ["Alvechurch", "Barnt Green", "Catshill", "Drakes Cross", "Hagley", "Sidemoor"]
    if council == "E07000236":
        names = ["Abbey", "Batchley", "Central", "Church Hill", "Greenlands", "Winyates"]
    return [(f"{prefix}{i:03d}", name, f"{council}-L{1 + i // 3}") for i, name in enumerate(names)]


def seed(url: str, seed_value: int = 7) -> None:
    """Create and fill the source tables (replacing rows already there)."""
    rng = random.Random(seed_value)
    periods = months()
    now = dt.datetime(2026, 4, 10, 9, 0, tzinfo=dt.UTC)
    with psycopg.connect(url) as conn:
        conn.execute(DDL)
        for table in (
            "marts.dim_purposes",
            "marts.dim_measures",
            "marts.fct_measure_values",
            "marts.measure_quality",
            "analysis.measure_icons",
            "input.commentary",
            "marts.profile_wards",
            "marts.profile_localities",
            "marts.fct_cost_of_service",
            "marts.fct_neighbour_comparison",
            "marts.dim_nearest_neighbours",
        ):
            conn.execute(f"truncate {table}")
        for rank, (area, name, value) in enumerate(
            (("E07000235", "Malvern Hills", 236), ("E07000234", "Bromsgrove", 1261)), start=1
        ):
            conn.execute(
                "insert into marts.fct_neighbour_comparison values ('flytipping_incidents', "
                "'Fly-tipping incidents', 'stats_flytipping', 'count', 'lower', 1, "
                "'2021-04-01', '2022-03-31', '2021-22', %s, %s, %s, %s, "
                "'per 1,000 residents', 100000, %s, %s, 2, 'lowest first', true)",
                (area, name, value, value / 100, area == "E07000234", rank),
            )
        conn.execute(
            "insert into marts.dim_nearest_neighbours values ('Global', 'E07000234', "
            "'Bromsgrove', 1, 'E06000049', 'Cheshire East', false)"
        )
        for code, name, description, order in PURPOSES:
            conn.execute(
                "insert into marts.dim_purposes values (%s, %s, %s, %s, %s)",
                (code, name, "A Director Person", description, order),
            )
        for council in COUNCILS:
            _seed_council(conn, council, rng, periods, now)


def _seed_council(conn, council, rng, periods, now) -> None:
    council_wards = wards(council)
    for locality in sorted({w[2] for w in council_wards}):
        members = [w for w in council_wards if w[2] == locality]
        conn.execute(
            "insert into marts.profile_localities values (%s,%s,%s,%s,%s,%s,%s,%s)",
            (
                council,
                locality,
                len(members),
                sum(6000 + 100 * i for i, _ in enumerate(members)),
                18.5,
                5,
                1200,
                40.0,
            ),
        )
    for i, (code, name, locality) in enumerate(council_wards):
        conn.execute(
            "insert into marts.profile_wards values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            (
                council,
                code,
                name,
                locality,
                6000 + 100 * (i % 3),
                10.0 + 3 * i,
                1 + (i * 2) % 10,
                300,
                50.0,
                30.0,
            ),
        )
    for measure_id, name, purpose, unit, polarity, is_public, is_key in MEASURES:
        conn.execute(
            """insert into marts.dim_measures (measure_id, council_code, name, kind,
               purpose_code, team, service_area, locality, owner, manager, director, portfolio,
               portfolio_holder, definition, numerator_definition, denominator_definition, unit,
               polarity, frequency, target, source, data_quality_notes, is_public, is_key,
               input_method, spc_profile, comparators)
               values (%s,%s,%s,'strategic',%s,'Team A',
               'Housing',null,%s,%s,%s,'Housing and Health','Cllr Someone',%s,%s,%s,%s,%s,
               'monthly',null,'Service cases',null,%s,%s,'derived','mdc',false)""",
            (
                measure_id,
                council,
                name,
                purpose,
                OFFICER,
                "Mark Manager",
                "A Director Person",
                f"The {name.lower()}, counted each month.",
                "Cases prevented",
                "Cases opened",
                unit,
                polarity,
                is_public,
                is_key,
            ),
        )
        series = []
        for index, (start, end) in enumerate(periods):
            ward_rows = []
            for code, _name, locality in council_wards:
                if unit == "count":
                    count = rng.choice([0, 1, 2, 3, 7, 12, 20])
                    ward_rows.append(("ward", code, count, None, count, locality))
                else:
                    denominator = rng.choice([3, 8, 15, 30, 40])
                    numerator = rng.randint(1, denominator)
                    value = (
                        100 * numerator / denominator if unit == "percent" else rng.uniform(8, 20)
                    )
                    ward_rows.append(("ward", code, numerator, denominator, value, locality))
            rows = list(ward_rows)
            for locality in sorted({w[2] for w in council_wards}):
                members = [r for r in ward_rows if r[5] == locality]
                rows.append(_total("locality", locality, members, unit))
            council_row = _total("council", council, ward_rows, unit)
            rows.append(council_row)
            series.append(council_row[4])
            status = "provisional" if index == len(periods) - 1 else "final"
            if index == len(periods) - 3:
                status = "revised"
            for kind, code, numerator, denominator, value, _loc in rows:
                conn.execute(
                    "insert into marts.fct_measure_values values (%s,%s,%s,%s,%s,%s,%s,%s,%s,"
                    "%s,%s)",
                    (
                        measure_id,
                        council,
                        start,
                        end,
                        kind,
                        code,
                        numerator,
                        denominator,
                        round(value, 3) if value is not None else None,
                        status,
                        now,
                    ),
                )
            for criterion in (
                "relevant",
                "well_defined",
                "timely",
                "reliable",
                "verifiable",
                "accurate",
            ):
                status_q = "warn" if (criterion == "timely" and index % 5 == 0) else "pass"
                conn.execute(
                    "insert into marts.measure_quality values (%s,%s,%s,%s,%s,'evidence',%s)",
                    (measure_id, council, start, criterion, status_q, now),
                )
        result = spc.xmr(series)
        starts = [p[0] for p in periods]
        improvement = {"higher": "up", "lower": "down"}.get(polarity)
        conn.execute(
            "insert into analysis.measure_icons values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            (
                measure_id,
                council,
                result["variation_icon"],
                result["assurance_icon"],
                result["spc_shown"],
                len(series),
                starts[-1],
                series[-1],
                series[-2],
                None,
                charts.describe(result, name, _unit_text(unit), starts, improvement),
                charts.render_svg(result, name, _unit_text(unit), starts, improvement),
            ),
        )
        last = periods[-1][0]
        # Only signed-off commentary is published (docs/webapp.md).
        for status, public, text in (
            ("signed_off", True, "Prevention rose after the new triage started."),
            ("signed_off", False, "Internal note about one case handled by Jane Example-Officer."),
            ("confirmed", True, "Confirmed by the manager, not yet signed off."),
            ("returned", True, "Returned to the officer for more detail."),
            ("submitted", True, "Submitted, waiting for the manager."),
            ("draft", True, "Draft text not yet confirmed."),
        ):
            confirmed = status in ("confirmed", "signed_off")
            conn.execute(
                "insert into input.commentary values (%s,%s,%s,%s,%s,%s,%s,%s,%s,null,%s,%s,%s,%s)",
                (
                    measure_id,
                    council,
                    last,
                    text,
                    "We are reviewing the process.",
                    OFFICER,
                    status,
                    "Mark Manager" if confirmed else None,
                    now if confirmed else None,
                    now,
                    public,
                    DIRECTOR if status == "signed_off" else None,
                    now if status == "signed_off" else None,
                ),
            )
    for service, spend, transactions in (
        ("Housing options", 420000, 3100),
        ("Waste collection", 1900000, 410000),
        ("Council tax", 650000, 52000),
        ("Planning", 800000, 0),
    ):
        conn.execute(
            "insert into marts.fct_cost_of_service values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            (
                council,
                service,
                dt.date(2026, 3, 1),
                spend,
                spend,
                0,
                spend,
                10,
                transactions,
                transactions // 3,
                spend / transactions if transactions else None,
                None,
            ),
        )


def _total(kind, code, members, unit):
    numerator = sum(m[2] for m in members)
    if unit == "count":
        return (kind, code, numerator, None, numerator, None)
    denominator = sum(m[3] for m in members)
    if unit == "percent":
        return (kind, code, numerator, denominator, 100 * numerator / denominator, None)
    weighted = sum(m[4] * m[3] for m in members) / denominator
    return (kind, code, numerator, denominator, weighted, None)


def _unit_text(unit: str) -> str:
    return {"percent": "%", "days": "days", "gbp": "£"}.get(unit, "")


# Locality names as a council would give them: `seed` names the sample's localities by code
# ("E07000234-L1"), which a page must never show, so tests of what residents read rename them.
LOCALITY_NAMES = {
    "E07000234-L1": "Bromsgrove North",
    "E07000234-L2": "Bromsgrove South",
    "E07000236-L1": "Redditch West",
    "E07000236-L2": "Redditch East",
}


def name_localities(url: str) -> None:
    """Give the seeded localities the names in LOCALITY_NAMES, everywhere they are held."""
    with psycopg.connect(url) as conn:
        for old, new in LOCALITY_NAMES.items():
            conn.execute("update marts.profile_localities set locality = %s where locality = %s",
                         (new, old))  # fmt: skip
            conn.execute("update marts.profile_wards set locality = %s where locality = %s",
                         (new, old))  # fmt: skip
            conn.execute(
                "update marts.fct_measure_values set geography_code = %s "
                "where geography_type = 'locality' and geography_code = %s",
                (new, old),
            )
