"""Sharing's Dagster definitions, the status table, and a named marts table as a dataset."""

import csv
import datetime as dt

import dagster as dg
import psycopg
import pytest
import yaml

from orchestration.defs import sharing
from orchestration.defs.sharing.assets import write_status
from orchestration.defs.sharing.checks import flagged_messages
from orchestration.lib import environment
from orchestration.lib.dagster.resources import warehouse_resource
from orchestration.lib.quality import store
from orchestration.lib.sharing.agreements import load_register, parse_register
from orchestration.lib.sharing.extract import build_share

pytestmark = pytest.mark.integration


def test_one_asset_job_and_london_schedule_per_agreement():
    agreements = load_register().agreements
    defs = dg.Definitions.merge(
        sharing.defs(), dg.Definitions(resources={"warehouse": warehouse_resource()})
    )
    dg.Definitions.validate_loadable(defs)
    keys = defs.resolve_asset_graph().get_all_asset_keys()
    for agreement in agreements:
        assert dg.AssetKey(["shares", agreement.id]) in keys
        schedule = defs.resolve_schedule_def(f"share_{agreement.id}_schedule")
        assert schedule.execution_timezone == "Europe/London"
        months = schedule.cron_schedule.split()[3]
        assert months == ("*" if agreement.frequency == "monthly" else "1,4,7,10")
        assert schedule.job_name == f"share_{agreement.id}_job"


def test_status_table_and_policy_team_flags(fresh_db):
    today = dt.date(2026, 11, 26)
    rows = write_status(fresh_db, today)
    with psycopg.connect(fresh_db) as conn:
        stored = dict(
            conn.execute(
                "select agreement_id, flags from audit.sharing_agreement_status"
            ).fetchall()
        )
    assert (
        set(stored)
        == {a.id for a in load_register().agreements}
        == {r["agreement_id"] for r in rows}
    )
    assert "expiring_soon" in stored["sunrise"]
    assert stored["west_mercia_police_asb"] == []
    messages = flagged_messages(today)
    assert any("sunrise" in m and "expires on 15 January 2027" in m for m in messages)
    assert not any("west_mercia_police_asb" in m for m in messages)
    assert write_status(fresh_db, today) == rows  # replaced, not duplicated


def test_a_marts_table_dataset_shares_only_its_agreed_columns(activated, workspace):
    raw = yaml.safe_load((environment.config_dir() / "sharing_agreements.yml").read_text())
    agreement = next(a for a in raw["agreements"] if a["id"] == "west_mercia_police_asb")
    agreement["datasets"] = [
        {
            "name": "ward_households",
            "kind": "table",
            "description": "Households by ward.",
            "table": "marts.ward_profiles",
            "level": "ward",
            "geography_column": "ward_code",
            "columns": {"ward_code": "GSS ward code.", "households": "Households in the ward."},
            "count_columns": ["households"],
        }
    ]
    register = parse_register({"agreements": [agreement]})
    with psycopg.connect(activated) as conn:
        conn.execute(
            """create table marts.ward_profiles (council_code text, ward_code text,
               ward_name text, households numeric, imd_score numeric)"""
        )
        conn.execute(
            """insert into marts.ward_profiles values
               ('E07000234', 'E05015001', 'Alvechurch', 3, 11.2),
               ('E07000234', 'E05015002', 'Aston Fields', 1800, 9.1),
               ('E07000234', 'E05015003', 'Barnt Green', 2100, 6.4),
               ('E07000999', 'E05099999', 'Elsewhere', 900, 1.0)"""
        )
        store.ensure_tables(conn)
        conn.execute(
            """insert into input.freshness_overrides (output, reason, person, expires_at)
               values ('*', 'test fixture: no landing files', 'Policy Team',
                       now() + interval '1 day')"""
        )
    result = build_share(
        activated, "west_mercia_police_asb", today=dt.date(2025, 7, 10), register=register
    )
    with (result.folder / "ward_households.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["ward_code", "households", "households_marker"]
    assert {r["ward_code"] for r in rows} == {"E05015001", "E05015002", "E05015003"}
    hidden = [r["ward_code"] for r in rows if r["households_marker"] == "[c]"]
    assert hidden == ["E05015001", "E05015002"]  # the small one and its smallest complement
    assert all(r["households"] == "" for r in rows if r["ward_code"] in hidden)
    assert result.suppressed == 2
