"""Everything the site shows, read from publish.* only (connected as the public_reader role)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg

from orchestration.lib.publishing.publish import TABLES


def reader_url(admin_url: str, password: str, role: str = "public_reader") -> str:
    """The same server and database as `admin_url`, logged in as the read-only public role."""
    parts = urlsplit(admin_url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{role}:{quote(password, safe='')}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@dataclass
class CouncilData:
    code: str
    purposes: list[dict]
    measures: list[dict]
    values: dict[str, list[dict]]  # measure_id -> rows (all geographies)
    charts: dict[str, dict]
    quality: dict[str, dict]  # measure_id -> latest quality mark row
    commentary: dict[str, list[dict]]
    wards: list[dict]
    localities: list[dict]
    costs: list[dict]
    tables: dict[str, list[dict]] = field(default_factory=dict)  # raw rows, for downloads


def load(url: str) -> dict[str, list[dict]]:
    """Every publish table as rows, in a stable order."""
    out = {}
    with psycopg.connect(url) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute("set transaction read only")
        for name in TABLES:
            exists = cur.execute("select to_regclass(%s) is not null as ok", (f"publish.{name}",))
            if not exists.fetchone()["ok"]:
                out[name] = []
                continue
            # Every column in the sort, so rows tied on the first ones (a measure's values by
            # period and area) come out in one order every build, and in every download.
            count = cur.execute(
                "select count(*) as n from information_schema.columns "
                "where table_schema = 'publish' and table_name = %s",
                (name,),
            ).fetchone()["n"]
            order = ", ".join(str(i) for i in range(1, count + 1))
            out[name] = cur.execute(f"select * from publish.{name} order by {order}").fetchall()
    return out


def for_council(tables: dict[str, list[dict]], code: str) -> CouncilData:
    def mine(name):
        return [r for r in tables.get(name, []) if r.get("council_code") == code]

    values: dict[str, list[dict]] = defaultdict(list)
    for row in sorted(
        mine("measure_values"),
        key=lambda r: (
            r["period_start"],
            r["period_end"],
            r["geography_type"],
            r["geography_code"],
        ),
    ):
        values[row["measure_id"]].append(row)
    quality: dict[str, dict] = {}
    for row in sorted(mine("quality_marks"), key=lambda r: r["period_start"]):
        quality[row["measure_id"]] = row
    commentary: dict[str, list[dict]] = defaultdict(list)
    for row in sorted(mine("commentary"), key=lambda r: r["period_start"], reverse=True):
        commentary[row["measure_id"]].append(row)
    purposes = sorted(tables.get("purposes", []), key=lambda p: (p["sort_order"] or 0))
    return CouncilData(
        code=code,
        purposes=purposes,
        measures=sorted(mine("measures"), key=lambda m: m["name"]),
        values=dict(values),
        charts={c["measure_id"]: c for c in mine("measure_charts")},
        quality=quality,
        commentary=dict(commentary),
        wards=sorted(mine("ward_profiles"), key=lambda w: w["ward_name"] or ""),
        localities=sorted(mine("locality_profiles"), key=lambda w: w["locality_name"] or ""),
        costs=sorted(mine("cost_of_service"), key=lambda c: (c["period_start"], c["service"])),
        tables={name: mine(name) for name in TABLES if name != "purposes"} | {"purposes": purposes},
    )


def latest_date(rows: list[dict], column: str) -> dt.date | None:
    found = [r[column] for r in rows if r.get(column) is not None]
    if not found:
        return None
    latest = max(found)
    return latest.date() if isinstance(latest, dt.datetime) else latest
