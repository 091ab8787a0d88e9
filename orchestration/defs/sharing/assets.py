"""One extract asset per data-sharing agreement, and the register's status for the Policy Team."""

import datetime as dt

import dagster as dg
import psycopg

from orchestration.defs.keys import relation_key
from orchestration.lib.dagster.resources import WarehouseResource
from orchestration.lib.dagster.selections import EXTRACT_GROUP
from orchestration.lib.sharing.agreements import Agreement, load_register, london_today
from orchestration.lib.sharing.extract import SharingRefused, build_share

STATUS_GROUP = "sharing"
STATUS_KEY = dg.AssetKey(["audit", "sharing_agreement_status"])

STATUS_DDL = """
create table if not exists audit.sharing_agreement_status (
    agreement_id text primary key,
    version int not null,
    partner text not null,
    state text not null,
    flags text[] not null default '{}',
    review date not null,
    expiry date not null,
    message text not null,
    checked_on date not null
)
"""


def _sources(agreement: Agreement) -> list[dg.AssetKey]:
    """The assets that build the tables the agreement's datasets read (measures datasets read
    marts.fct_measure_values)."""
    keys = []
    for dataset in agreement.datasets:
        keys.append(relation_key(dataset.table or "marts.fct_measure_values"))
    return list(dict.fromkeys(keys))


def share_asset(agreement: Agreement) -> dg.AssetsDefinition:
    @dg.asset(
        key=dg.AssetKey(["shares", agreement.id]),
        group_name=EXTRACT_GROUP,
        deps=_sources(agreement),
        kinds={"csv"},
        owners=["team:policy"],
        description=(
            f"Partner extract under agreement {agreement.id} (v{agreement.version}): "
            f"{agreement.title}, for {agreement.partner}; {agreement.geography} level, "
            f"{agreement.frequency}. Written to build/shares/{agreement.id}/<date>/ with a data "
            "dictionary and a manifest, logged in audit.shares. Refused (nothing written) when "
            "the agreement is not in force or the publication gate is closed."
        ),
    )
    def _extract(warehouse: WarehouseResource) -> dg.MaterializeResult:
        try:
            result = build_share(warehouse.url, agreement.id)
        except SharingRefused as refused:
            raise dg.Failure(description=str(refused)) from refused
        return dg.MaterializeResult(
            metadata={
                "folder": str(result.folder),
                "share_id": result.share_id,
                "rows": sum(f.rows for f in result.files if f.dataset),
                "cells_suppressed": result.suppressed,
                "period_end": str(result.period_end),
                "warnings": "; ".join(result.warnings) or "none",
            }
        )

    return _extract


def write_status(url: str, today: dt.date | None = None) -> list[dict]:
    """Replace audit.sharing_agreement_status with every agreement's status as of today."""
    today = today or london_today()
    rows = []
    for agreement in load_register().agreements:
        status = agreement.status(today)
        rows.append(
            {
                "agreement_id": agreement.id,
                "version": agreement.version,
                "partner": agreement.partner,
                "state": status.state,
                "flags": list(status.flags),
                "review": agreement.review,
                "expiry": agreement.expiry,
                "message": status.message,
                "checked_on": today,
            }
        )
    with psycopg.connect(url) as conn:
        conn.execute(STATUS_DDL)
        conn.execute("delete from audit.sharing_agreement_status")
        with conn.cursor() as cur:
            cur.executemany(
                """insert into audit.sharing_agreement_status (agreement_id, version, partner,
                   state, flags, review, expiry, message, checked_on)
                   values (%(agreement_id)s, %(version)s, %(partner)s, %(state)s, %(flags)s,
                           %(review)s, %(expiry)s, %(message)s, %(checked_on)s)""",
                rows,
            )
    return rows


@dg.asset(
    key=STATUS_KEY,
    group_name=STATUS_GROUP,
    kinds={"postgres"},
    owners=["team:policy"],
    description=(
        "Every data-sharing agreement in config/sharing_agreements.yml with its status today: "
        "in force, expired or not started, and flags when review or expiry is within 60 days."
    ),
)
def sharing_agreement_status(warehouse: WarehouseResource) -> dg.MaterializeResult:
    rows = write_status(warehouse.url)
    return dg.MaterializeResult(
        metadata={
            "agreements": len(rows),
            "in_force": sum(r["state"] == "in_force" for r in rows),
            "flagged": sum(bool(r["flags"]) or r["state"] != "in_force" for r in rows),
        }
    )
