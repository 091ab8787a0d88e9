"""The measures model end to end on demo data: registry, dbt build, reconciliation, lineage,
analyst access, and incremental facts that match a full rebuild after a new month arrives."""

import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import psycopg
import pytest

from orchestration.demo import DEFAULT_SEED, MONTHLY_SOURCES, generate, officer_entries
from orchestration.lib import environment
from orchestration.lib.dbt import dbt_executable
from orchestration.lib.ingest import loaders
from orchestration.lib.ingest.reference import PARSERS
from orchestration.lib.registry.measures import load_registry
from orchestration.lib.registry.store import write_registry

pytestmark = pytest.mark.integration

SCALE = 0.05
PURPOSES = {"home", "business", "finance", "independence", "things_to_do", "safe_place", "enabling"}
# Values that trace neither to a loaded source batch (the registry's aside) nor, for manual
# measures, to the confirmed entry they came from. Set-based: per-row NOT EXISTS made
# PostgreSQL rescan the lineage for every manual value.
UNTRACED_VALUES = """
with batch_traced as (
    select distinct l.measure_id, l.council_code, l.period_start
    from marts.fct_measure_lineage as l
    inner join audit.loads as a on l.batch_id = a.batch_id
    where a.source <> 'measure_registry'
),
entry_traced as (
    select distinct l.measure_id, l.council_code, l.period_start, e.value
    from marts.fct_measure_lineage as l
    inner join input.manual_values as e using (measure_id, council_code, period_start)
    where l.source = 'input.manual_values' and e.status = 'confirmed'
)
select count(*) from marts.fct_measure_values as v
left join batch_traced as b using (measure_id, council_code, period_start)
left join entry_traced as e
    on (e.measure_id, e.council_code, e.period_start, e.value)
    = (v.measure_id, v.council_code, v.period_start, v.value)
where b.measure_id is null and e.measure_id is null
"""
INCREMENTAL_FACTS = {
    "marts.fct_demand": "council_code, period_month, service, channel, team, demand_type, "
    "failure_type, ward_code, locality",
    "marts.fct_case_end_to_end": "case_id",
    "intermediate.int_uprn_match_rates": "source_table, council_code, period_month",
}


def _load_landing(url: str, landing: Path, sources: tuple[str, ...] | None = None) -> None:
    for folder in sorted(p for p in landing.iterdir() if p.is_dir()):
        if sources is not None and folder.name not in sources:
            continue
        for path in sorted(folder.iterdir()):
            result = loaders.ingest_file(url, path, folder.name)
            assert result.outcome in ("loaded", "duplicate"), result.summary()


def _dbt(*args: str) -> None:
    project = str(environment.dbt_project_dir())
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    command = [dbt_executable(), *args, "--project-dir", project, "--profiles-dir", project]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:]


def _rows(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


def _snapshot(url: str) -> dict[str, list[tuple]]:
    snapshot = {
        table: _rows(url, f"select * from {table} order by {order}")
        for table, order in INCREMENTAL_FACTS.items()
    }
    snapshot["fct_measure_values"] = _rows(
        url,
        "select measure_id, council_code, period_start, geography_type, geography_code, "
        "numerator, denominator, value, status from marts.fct_measure_values "
        "order by 1, 2, 3, 4, 5",
    )
    return snapshot


@pytest.fixture
def measures_db(activated, workspace):
    landing = workspace["landing"]
    # One month short first, so the full range later brings a new month and replaces files
    # whose cases have since closed.
    generate(landing, scale=SCALE, last_month="2026-02")
    officer_entries.seed(activated, "2026-02", DEFAULT_SEED)
    _load_landing(activated, landing)
    for source in PARSERS:
        result = loaders.ingest_reference(activated, source, environment.reference_dir())
        assert result.outcome == "loaded", result.summary()
    write_registry(activated, load_registry())
    _dbt("build")
    _assert_every_unit_test_passed()
    return activated


def _assert_every_unit_test_passed() -> None:
    """dbt's unit tests run here, in `dbt build` from the command line: the Dagster runs leave
    them out (orchestration/defs/transform/assets.py)."""
    target = environment.dbt_project_dir() / "target"
    defined = set(json.loads((target / "manifest.json").read_text())["unit_tests"])
    results = json.loads((target / "run_results.json").read_text())["results"]
    ran = {r["unique_id"]: r["status"] for r in results if r["unique_id"] in defined}
    assert defined and ran == dict.fromkeys(defined, "pass")


def test_measures_model_end_to_end(measures_db, workspace):
    url = measures_db
    per_council = dict(
        _rows(url, "select council_code, count(*) from marts.dim_measures group by 1")
    )
    assert min(per_council.values()) >= 40 and len(per_council) == 2
    purposes = {
        row[0] for row in _rows(url, "select distinct purpose_code from marts.dim_measures")
    }
    assert PURPOSES <= purposes
    assert _rows(url, "select count(*) from marts.dim_measures where kind = 'operational'")[0][0]

    missing = _rows(
        url,
        "select m.measure_id, m.council_code from marts.dim_measures m "
        "left join marts.fct_measure_values v using (measure_id, council_code) "
        "where v.measure_id is null",
    )
    assert missing == []

    # Reconciliation, recomputed here independently of the dbt test: raw contacts = measure.
    raw = dict(_rows(url, "select council_code, count(*) from raw.crm_contacts group by 1"))
    measured = dict(
        _rows(
            url,
            "select council_code, sum(value)::bigint from marts.fct_measure_values "
            "where measure_id = 'ena_contacts_total' and geography_type = 'council' group by 1",
        )
    )
    assert raw == measured

    # Every value traces to the source batches it came from, or (manual measures) to the
    # officer's confirmed entry.
    untraced = _rows(url, UNTRACED_VALUES)
    assert untraced[0][0] == 0
    manual = _rows(
        url,
        "select count(*) from marts.fct_measure_values v join marts.dim_measures m "
        "using (measure_id, council_code) where m.input_method = 'manual'",
    )
    assert manual[0][0] > 0

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("alter role analyst login password 'analyst-test'")
    analyst_url = "postgresql://analyst:analyst-test@" + url.split("@", 1)[1]
    assert _rows(analyst_url, "select count(*) from marts.fct_measure_values")[0][0] > 0

    # A new month arrives (and earlier months' case files are replaced as cases close).
    generate(workspace["landing"], scale=SCALE, last_month="2026-03")
    # Only the monthly sources: the gazetteer and the published files are loaded once.
    _load_landing(url, workspace["landing"], MONTHLY_SOURCES)
    selection = [
        *("-s", "fct_demand+", "fct_case_end_to_end+", "int_uprn_match_rates"),
        *("--exclude", "resource_type:test"),
    ]
    _dbt("run", *selection)
    incremental = _snapshot(url)
    assert any(row[1].isoformat() == "2026-03-01" for row in incremental["marts.fct_demand"])
    _dbt("run", *selection)
    assert _snapshot(url) == incremental, "a second incremental run changed the facts"
    _dbt("run", "--full-refresh", *selection)
    assert _snapshot(url) == incremental, "incremental facts differ from a full rebuild"

    # A corrected gazetteer arrives (addresses move ward): every month is recounted, old ones
    # included.
    (path,) = (workspace["landing"] / "gazetteer").glob("*.csv")
    gazetteer = pd.read_csv(path, dtype=str, keep_default_na=False)
    first_ward = gazetteer.groupby("council_code").ward_code.transform("min")
    moving = gazetteer.uprn.isin(sorted(gazetteer.uprn)[:200]) & (gazetteer.ward_code != first_ward)
    assert moving.any()
    gazetteer.loc[moving, "ward_code"] = first_ward[moving]
    gazetteer.to_csv(path, index=False)
    result = loaders.ingest_file(url, path, "gazetteer")
    assert result.outcome == "loaded" and result.replaced_batches, result.summary()
    _dbt("run", *selection)
    moved_incrementally = _snapshot(url)
    assert moved_incrementally != incremental
    _dbt("run", "--full-refresh", *selection)
    assert _snapshot(url) == moved_incrementally, "after the gazetteer changed"
    # The replaced gazetteer batch is recorded as superseded, which the audit trail's tests accept.
    _dbt("test", "--select", "stg_audit__loads")

    # A case is in fct_case_end_to_end once, by a unique index (the unique_index post-hook),
    # which a table built without it gains at its next build; a duplicate cannot be written.
    def case_id_indexes(conn):
        return conn.execute(
            "select indexrelid::regclass::text from pg_index where indisunique "
            "and indrelid = 'marts.fct_case_end_to_end'::regclass"
        ).fetchall()

    with psycopg.connect(url) as conn:
        ((index,),) = case_id_indexes(conn)
        conn.execute(f"drop index {index}")
    _dbt("run", "--select", "fct_case_end_to_end")
    with psycopg.connect(url) as conn:
        assert len(case_id_indexes(conn)) == 1
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(
                "insert into marts.fct_case_end_to_end select * from marts.fct_case_end_to_end "
                "limit 1"
            )

    # A pause giving its case another received date would give the case two clocks (and two
    # pause rows in int_case_pauses_summed, which has no test of its own): the case's month is
    # rebuilt as the pause loads, and the index refuses the second row.
    with psycopg.connect(url) as conn:
        conn.execute(
            "insert into raw.case_clock_pauses select pause_id || '-x', case_id, council_code, "
            "case_received_date - 40, paused_from, paused_to, reason, _batch_id, _source_file, "
            "now() from raw.case_clock_pauses order by pause_id limit 1"
        )
    with pytest.raises(AssertionError, match="duplicate key value violates unique constraint"):
        _dbt("run", "--select", "fct_case_end_to_end")


def test_neighbours_side_by_side_as_published(measures_db):
    """Every year of Bromsgrove's fly-tipping incidents and recycling rate, exactly as in the
    published files (read here independently), for all six Worcestershire districts, with the
    rates and ranks recomputed here."""
    url = measures_db
    folder = environment.reference_dir()
    incidents = pd.read_csv(
        folder / "performance/defra_env24_flytipping_incidents_2012-13_to_2021-22_worcs.csv",
        dtype=str,
    )
    incidents = incidents[incidents["ONS Code"].str.startswith("E070002", na=False)]
    published = {
        (row["ONS Code"], row["Year"][:4]): float(row["Total Incidents"].replace(",", ""))
        for _, row in incidents.iterrows()
    }
    rows = _rows(
        url,
        "select area_code, to_char(period_start, 'YYYY'), value, rate, denominator, "
        "rank_among_neighbours, districts_ranked from marts.fct_neighbour_comparison "
        "where comparison_id = 'flytipping_incidents'",
    )
    held = {(r[0], r[1]): float(r[2]) for r in rows}
    assert held == published
    assert len({r[0] for r in rows}) == 6 and len({r[1] for r in rows}) == 10
    for _area, year, value, rate, denominator, rank, ranked in rows:
        assert float(rate) == pytest.approx(round(1000 * float(value) / float(denominator), 2))
        same_year = sorted(float(r[2]) / float(r[4]) for r in rows if r[1] == year)
        assert ranked == 6 and rank == 1 + sum(x < float(value) / float(denominator) - 1e-12
                                               for x in same_year)  # fmt: skip

    recycling = pd.read_csv(
        folder / "performance/defra_env18_household_waste_recycling_rate_2015-16_to_2023-24"
        "_worcs.csv",
        dtype=str,
    )
    bromsgrove = recycling[recycling["area_code"] == "E07000234"]
    expected = {
        row["period"][:4]: round(float(row["value"]), 6) for _, row in bromsgrove.iterrows()
    }
    got = dict(
        _rows(
            url,
            "select to_char(period_start, 'YYYY'), value::float "
            "from marts.fct_neighbour_comparison "
            "where comparison_id = 'household_recycling_rate' and area_code = 'E07000234'",
        )
    )
    assert {year: round(value, 6) for year, value in got.items()} == expected
    # Higher is better: the highest rate ranks first.
    latest = _rows(
        url,
        "select area_code, value, rank_among_neighbours from marts.fct_neighbour_comparison "
        "where comparison_id = 'household_recycling_rate' and is_latest_period "
        "order by rank_among_neighbours",
    )
    assert [float(r[1]) for r in latest] == sorted((float(r[1]) for r in latest), reverse=True)
    # The ONS nearest neighbours beyond Worcestershire are named and marked as not held.
    outside = _rows(
        url,
        "select count(*) filter (where not neighbour_in_snapshot), count(*) "
        "from marts.dim_nearest_neighbours where area_code = 'E07000234' and model = 'Global'",
    )
    assert outside == [(20, 20)]
