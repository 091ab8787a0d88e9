"""The rows a pack uses, read from the warehouse once and kept as text tables (the snapshot).

Rendering reads only the snapshot, so a pack built from the live warehouse and a pack rebuilt
from an issued snapshot go through the same path and come out byte-identical.
"""

from __future__ import annotations

import datetime as dt
import decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import psycopg
from psycopg.rows import dict_row

from orchestration.lib import csvsafe, demonstration, environment, neighbours
from orchestration.lib.analysis import charting, fit
from orchestration.lib.environment import TIMEZONE
from orchestration.lib.reporting import calendar, focus
from orchestration.lib.reporting.calendar import Period

# How far back a pack's charts reach, by frequency: enough points for limits (13 or more)
# and, for an annual figure published long after its year, the latest year at all.
HISTORY_MONTHS = {"monthly": 36, "quarterly": 60, "annual": 120}
TABLES = {
    "context": ["key", "value"],
    "measures": [
        "measure_id", "council_code", "name", "kind", "purpose_code", "purpose_name",
        "purpose_sort", "team", "portfolio", "portfolio_holder", "owner", "manager", "director",
        "definition", "unit", "polarity", "frequency", "target", "is_key", "spc_profile",
        "data_quality_notes", "target_basis", "target_source", "target_set_by", "target_set_on",
        "no_target_reason", "accumulation", "signals", "signals_reason",
    ],
    "values": ["measure_id", "council_code", "period_start", "period_end", "value", "status"],
    "charts": [
        "measure_id", "council_code", "source", "latest_period_start", "latest_value",
        "previous_value", "variation_icon", "assurance_icon", "latest_point_type", "spc_shown",
        "warnings", "text_alternative", "chart_svg", "no_signal_reason",
    ],
    "commentary": [
        "measure_id", "council_code", "period_start", "what_data_shows", "why", "what_we_are_doing",
        "author", "status", "confirmed_by", "confirmed_at", "signed_off_by", "signed_off_at",
    ],
    "quality": ["measure_id", "council_code", "period_start", "criterion", "status", "evidence"],
    "focus": ["measure_id", "council_code", "reason", "added_by", "source"],
    "trials": [
        "trial_id", "council_code", "title", "hypothesis", "service", "start_date", "end_date",
        "owner",
    ],
    "verdicts": ["trial_id", "measure_id", "verdict", "sustained", "evidence"],
    "revisions": [
        "measure_id", "council_code", "period_start", "issued_value", "current_value",
        "issued_in",
    ],
    "neighbours": neighbours.ROWS,
    "nearest": neighbours.NEAREST,
}  # fmt: skip

Snapshot = dict[str, list[dict[str, str]]]


class MissingData(RuntimeError):
    """A table the report cannot do without is not there yet."""


def _clean(value):
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    return value


def _text_rows(rows: list[dict], table: str) -> list[dict[str, str]]:
    return [
        {column: csvsafe.to_text(_clean(row.get(column))) for column in TABLES[table]}
        for row in rows
    ]


def _exists(conn, table: str) -> bool:
    return conn.execute("select to_regclass(%s) as t", (table,)).fetchone()["t"] is not None


def _columns(conn, table: str) -> set[str]:
    schema, name = table.split(".")
    rows = conn.execute(
        "select column_name from information_schema.columns "
        "where table_schema = %s and table_name = %s",
        (schema, name),
    ).fetchall()
    return {row["column_name"] for row in rows}


def connect(url: str):
    conn = psycopg.connect(url, row_factory=dict_row)
    conn.execute(f"set timezone = '{TIMEZONE}'")
    return conn


def _measures(conn, period: Period, councils: list[str], notes: list[str]) -> list[dict]:
    if not _exists(conn, "marts.dim_measures"):
        raise MissingData("marts.dim_measures does not exist yet: run `bdc run` first.")
    purposes = _exists(conn, "marts.dim_purposes")
    purpose = "p.purpose_name, p.sort_order" if purposes else "null, null"
    join = "left join marts.dim_purposes p using (purpose_code)" if purposes else ""
    rows = conn.execute(
        f"""
        select m.measure_id, m.council_code, m.name, m.kind, m.purpose_code,
               {purpose.split(", ")[0]} as purpose_name, {purpose.split(", ")[1]} as purpose_sort,
               m.team, m.portfolio, m.portfolio_holder, m.owner, m.manager, m.director,
               m.definition, m.unit, m.polarity, m.frequency, m.target, m.is_key,
               m.spc_profile, m.data_quality_notes, m.target_basis, m.target_source,
               m.target_set_by, m.target_set_on, m.no_target_reason, m.accumulation, m.signals,
               m.signals_reason
        from marts.dim_measures m
        {join}
        where m.council_code = any(%s)
        order by m.council_code, m.measure_id
        """,
        (councils,),
    ).fetchall()
    if not purposes:
        notes.append("Purposes are shown by short names: their full names were not available.")
    return [dict(row) for row in rows]


def _select_measures(conn, kind: str, period: Period, councils, all_measures, notes) -> tuple:
    """The measures a pack covers, and (for Cabinet) CMT's focus rows."""
    focus_rows: list[dict] = []
    if kind == "cabinet":
        app_rows: list[dict] = []
        if _exists(conn, "input.cmt_focus"):
            app_rows = conn.execute(
                "select cabinet_date, measure_id, council_code, added_by, added_at, reason "
                "from input.cmt_focus where cabinet_date = %s and council_code = any(%s)",
                (period.meeting_date, councils),
            ).fetchall()
        for council in councils:
            seed = focus.seed_focus(council, period.meeting_date)
            own = [dict(r) for r in app_rows if r["council_code"] == council]
            focus_rows.extend(focus.merge(seed, own))
        wanted = {(r["measure_id"], r["council_code"]) for r in focus_rows}
        chosen = [
            m for m in all_measures if m["is_key"] or (m["measure_id"], m["council_code"]) in wanted
        ]
    elif kind == "portfolio":
        chosen = [m for m in all_measures if m["portfolio"]]
    else:
        chosen = [m for m in all_measures if m["kind"] == "strategic"]
    return chosen, focus_rows


def _values(conn, period: Period, chosen: list[dict]) -> list[dict]:
    if not chosen:
        return []
    since = [
        period.period_end - dt.timedelta(days=HISTORY_MONTHS.get(m["frequency"], 36) * 31)
        for m in chosen
    ]
    return conn.execute(
        """
        select v.measure_id, v.council_code, v.period_start, v.period_end, v.value, v.status
        from marts.fct_measure_values v
        join unnest(%s::text[], %s::text[], %s::date[]) as m(measure_id, council_code, since)
          using (measure_id, council_code)
        where v.geography_type = 'council' and v.geography_code = v.council_code
          and v.period_end <= %s and v.period_start > m.since
        order by v.measure_id, v.council_code, v.period_start, v.period_end
        """,
        (
            [m["measure_id"] for m in chosen],
            [m["council_code"] for m in chosen],
            since,
            period.period_end,
        ),
    ).fetchall()


def _computed_chart(measure: dict, series: list[dict]) -> dict:
    """The chart up to the period, when analysis.measure_icons is not for it: the same chart
    the analysis tables hold (analysis.fit picks it; chunky data show no special cause)."""
    chart = fit.measure_chart(
        SimpleNamespace(**measure),
        [row["period_start"] for row in series],
        [float(row["value"]) if row["value"] is not None else None for row in series],
        lambda periods: ({}, []),
    )
    points, icons = charting.run([chart])
    icon = icons[0]
    live = [p for p in points if not p["ghost"] and p["value"] is not None]
    return {
        "source": "computed from marts.fct_measure_values",
        "variation_icon": icon["variation_icon"],
        "assurance_icon": icon["assurance_icon"],
        "latest_point_type": live[-1]["point_type"] if live and icon["spc_shown"] else None,
        "spc_shown": icon["spc_shown"],
        "warnings": icon["warnings"],
        "no_signal_reason": icon["no_signal_reason"],
        "text_alternative": icon["text_alternative"],
        "chart_svg": icon["chart_svg"],
    }


def _charts(conn, chosen: list[dict], values: list[dict]) -> list[dict]:
    icons, points = {}, {}
    if _exists(conn, "analysis.measure_icons"):
        for row in conn.execute("select * from analysis.measure_icons").fetchall():
            icons[(row["measure_id"], row["council_code"])] = row
    if _exists(conn, "analysis.measure_spc"):
        for row in conn.execute(
            "select measure_id, council_code, period_start, point_type from analysis.measure_spc"
        ).fetchall():
            points[(row["measure_id"], row["council_code"], row["period_start"])] = row
    by_measure: dict[tuple, list[dict]] = {}
    for row in values:
        by_measure.setdefault((row["measure_id"], row["council_code"]), []).append(row)
    out = []
    for measure in chosen:
        key = (measure["measure_id"], measure["council_code"])
        series = by_measure.get(key, [])
        if not series:
            continue
        latest = series[-1]
        previous = series[-2]["value"] if len(series) > 1 else None
        icon = icons.get(key)
        if icon and icon["latest_period_start"] == latest["period_start"] and icon["chart_svg"]:
            spc_row = points.get((*key, latest["period_start"]))
            chart = {
                "source": "analysis.measure_icons",
                "variation_icon": icon["variation_icon"],
                "assurance_icon": icon["assurance_icon"],
                "latest_point_type": spc_row["point_type"] if spc_row else None,
                "spc_shown": icon["spc_shown"],
                "warnings": icon["warnings"],
                "no_signal_reason": icon.get("no_signal_reason"),
                "text_alternative": icon["text_alternative"],
                "chart_svg": icon["chart_svg"],
            }
        else:
            chart = _computed_chart(measure, series)
        out.append(
            {
                "measure_id": key[0],
                "council_code": key[1],
                "latest_period_start": latest["period_start"],
                "latest_value": latest["value"],
                "previous_value": previous,
                **chart,
            }
        )
    return out


def _commentary(conn, period: Period, chosen: list[dict], kind: str = "") -> list[dict]:
    """The newest signed-off commentary of each measure up to the period end; for O&S also the
    newest before the quarter began (the actions carried forward from last quarter)."""
    rows = _signed_off(conn, period.period_end, chosen)
    if kind == "scrutiny":
        seen = {(r["measure_id"], r["council_code"], r["period_start"]) for r in rows}
        earlier = _signed_off(conn, period.period_start - dt.timedelta(days=1), chosen)
        rows += [
            r
            for r in earlier
            if (r["measure_id"], r["council_code"], r["period_start"]) not in seen
        ]
        rows.sort(key=lambda r: (r["measure_id"], r["council_code"], r["period_start"]))
    return rows


def _signed_off(conn, until: dt.date, chosen: list[dict]) -> list[dict]:
    # Members see commentary only once a Director has signed it off (docs/webapp.md): never a
    # draft, a submission, a return or commentary only the manager has confirmed. A table from
    # before the sign-off (no signed_off_at) holds none.
    columns = _columns(conn, "input.commentary")
    if not chosen or "signed_off_at" not in columns:
        return []
    why = "c.why" if "why" in columns else "''"  # the third question came later
    # Members read people's names, not their sign-in names (the officer app's users).
    people = _exists(conn, "public.auth_user")
    roles = (("author", "author"), ("confirmer", "confirmed_by"), ("signer", "signed_off_by"))
    named, joins = {}, []
    for role, column in roles:
        named[role] = f"c.{column}"
        if people:
            full = f"trim({role}_user.first_name || ' ' || {role}_user.last_name)"
            named[role] = f"coalesce(nullif({full}, ''), c.{column})"
            joins.append(
                f"left join public.auth_user {role}_user on {role}_user.username = c.{column}"
            )
    joins = " ".join(joins)
    return conn.execute(
        f"""
        select distinct on (c.measure_id, c.council_code)
               c.measure_id, c.council_code, c.period_start, c.what_data_shows, {why} as why,
               c.what_we_are_doing, {named["author"]} as author, c.status,
               {named["confirmer"]} as confirmed_by, c.confirmed_at,
               {named["signer"]} as signed_off_by, c.signed_off_at
        from input.commentary c
        join unnest(%s::text[], %s::text[]) as m(measure_id, council_code)
          using (measure_id, council_code)
        {joins}
        where c.period_start <= %s and c.status = 'signed_off'
        order by c.measure_id, c.council_code, c.period_start desc
        """,
        ([m["measure_id"] for m in chosen], [m["council_code"] for m in chosen], until),
    ).fetchall()


def _quality(conn, chart_rows: list[dict]) -> list[dict]:
    if not chart_rows or not _exists(conn, "marts.measure_quality"):
        return []
    return conn.execute(
        """
        select q.measure_id, q.council_code, q.period_start, q.criterion, q.status, q.evidence
        from marts.measure_quality q
        join unnest(%s::text[], %s::text[], %s::date[]) as m(measure_id, council_code, period_start)
          using (measure_id, council_code, period_start)
        order by q.measure_id, q.council_code, q.criterion
        """,
        (
            [r["measure_id"] for r in chart_rows],
            [r["council_code"] for r in chart_rows],
            [r["latest_period_start"] for r in chart_rows],
        ),
    ).fetchall()


def _trials(conn, period: Period, councils: list[str]) -> tuple[list[dict], list[dict]]:
    if not _exists(conn, "analysis.trials"):
        return [], []
    trials = conn.execute(
        """
        select trial_id, council_code, title, hypothesis, service, start_date, end_date, owner
        from analysis.trials
        where council_code = any(%s) and start_date <= %s
          and (end_date is null or end_date >= %s)
        order by council_code, start_date, trial_id
        """,
        (councils, period.period_end, period.period_start),
    ).fetchall()
    verdicts = []
    if trials and _exists(conn, "analysis.trial_verdicts"):
        verdicts = conn.execute(
            "select trial_id, measure_id, verdict, sustained, evidence "
            "from analysis.trial_verdicts where trial_id = any(%s) order by trial_id, measure_id",
            ([t["trial_id"] for t in trials],),
        ).fetchall()
    return trials, verdicts


def revisions(previous: Snapshot | None, values: list[dict[str, str]]) -> list[dict[str, str]]:
    """Values that changed since the last issued pack of the same kind."""
    if not previous:
        return []
    issued_in = dict((r["key"], r["value"]) for r in previous["context"])
    label = issued_in.get("label", issued_in.get("period", ""))
    was = {
        (r["measure_id"], r["council_code"], r["period_start"]): r["value"]
        for r in previous["values"]
    }
    out = []
    for row in values:
        key = (row["measure_id"], row["council_code"], row["period_start"])
        if key in was and was[key] != row["value"]:
            out.append(
                {
                    "measure_id": key[0],
                    "council_code": key[1],
                    "period_start": key[2],
                    "issued_value": was[key],
                    "current_value": row["value"],
                    "issued_in": label,
                }
            )
    return out


def snapshot(
    url: str, kind: str, period: Period, councils: list[str], previous: Snapshot | None = None
) -> Snapshot:
    """Everything one pack shows, as text tables."""
    notes: list[str] = []
    with connect(url) as conn:
        all_measures = _measures(conn, period, councils, notes)
        chosen, focus_rows = _select_measures(conn, kind, period, councils, all_measures, notes)
        values = _values(conn, period, chosen)
        chart_rows = _charts(conn, chosen, values)
        commentary = _commentary(conn, period, chosen, kind)
        quality = _quality(conn, chart_rows)
        trials, verdicts = _trials(conn, period, councils) if kind == "scrutiny" else ([], [])
        neighbour_rows, nearest = neighbours.read(conn)
        demo = demonstration.is_demonstration(conn)
    known = {(m["measure_id"], m["council_code"]) for m in all_measures}
    for council in councils:
        missing = sum(
            (row["measure_id"], council) not in known
            for row in focus_rows
            if row["council_code"] == council
        )
        # The focus lists are checked against the registry when loaded (reporting.focus); a
        # warehouse not yet rebuilt since a measure was added can still lack it.
        if missing:
            notes.append(
                f"{council}|{missing} focus measure(s) chosen for this meeting have no figures "
                "in the warehouse yet, so they are not shown."
            )
    value_rows = _text_rows(values, "values")
    context = {
        "kind": kind,
        "period": period.key,
        "label": period.label,
        "period_start": period.period_start.isoformat(),
        "period_end": period.period_end.isoformat(),
        "meeting_date": period.meeting_date.isoformat(),
        "councils": ";".join(councils),
        # Each council's own name and type, frozen with the rows (config/councils.yml).
        "council_names": ";".join(
            f"{code}={environment.councils()[code]['name']}" for code in councils
        ),
        "previous_issue": "",
        "notes": "\n".join(notes),
        # Built from `bdc demo`'s invented internal data: every page says so. Frozen with the
        # rows, so an issued pack regenerates with the same label whatever the warehouse says.
        "demonstration": demo,
    }
    if previous:
        context["previous_issue"] = dict((r["key"], r["value"]) for r in previous["context"])[
            "label"
        ]
    return {
        "context": [{"key": k, "value": csvsafe.to_text(v)} for k, v in context.items()],
        "measures": _text_rows(chosen, "measures"),
        "values": value_rows,
        "charts": _text_rows(chart_rows, "charts"),
        "commentary": _text_rows(commentary, "commentary"),
        "quality": _text_rows(quality, "quality"),
        "focus": _text_rows(focus_rows, "focus"),
        "trials": _text_rows(trials, "trials"),
        "verdicts": _text_rows(verdicts, "verdicts"),
        "revisions": revisions(previous, value_rows),
        "neighbours": _text_rows(neighbour_rows, "neighbours"),
        "nearest": _text_rows(nearest, "nearest"),
    }


def dump(snap: Snapshot) -> dict[str, str]:
    """file name -> CSV text."""
    return {f"{name}.csv": csvsafe.dumps(snap[name], TABLES[name]) for name in TABLES}


def load(files: dict[str, str]) -> Snapshot:
    # A snapshot issued before a table existed has no file for it: that table is empty.
    return {
        name: csvsafe.loads(files[f"{name}.csv"]) if f"{name}.csv" in files else []
        for name in TABLES
    }


def periods_for(kind: str) -> list[str]:
    return calendar.period_keys(kind)
