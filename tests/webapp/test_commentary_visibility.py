"""Only signed-off commentary reaches members and the public: every pack (Cabinet, Portfolio
Holder briefing, Overview and Scrutiny) and the public site's data, built from the app's own
database (the warehouse, docs/webapp.md). Drafts, submissions, returns and commentary only the
manager has confirmed appear nowhere, and no pack ever prints a status."""

import datetime as dt

import psycopg
import pytest
from django.db import connection

from orchestration.lib.publishing import data as site_data
from orchestration.lib.publishing import publish
from orchestration.lib.reporting import calendar, data, model, render
from orchestration.lib.warehouse import bootstrap

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BROMSGROVE = "E07000234"
PCT = "hou_homeless_prevented_pct"
REGISTER = "hou_register_median_days"
SIGNED = "Signed off: prevention rose after the triage clinic opened."
UNSIGNED = {
    "confirmed": "Confirmed only: awaiting the Director.",
    "returned": "Returned: the manager asked for the wards.",
    "submitted": "Submitted: waiting for the manager.",
    "draft": "Draft: half-written thoughts.",
}
FACTS_DDL = """
create table marts.fct_measure_values (measure_id text, council_code text, period_start date,
  period_end date, geography_type text, geography_code text, numerator numeric,
  denominator numeric, value numeric, status text, loaded_at timestamptz default now());
"""


def month_start(day: dt.date, months_back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


def warehouse_url() -> str:
    s = connection.settings_dict
    return f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def _catalogue(conn) -> tuple[set[str], set[str]]:
    schemas = {r[0] for r in conn.execute("select nspname from pg_namespace")}
    tables = {
        r[0]
        for r in conn.execute(
            "select schemaname || '.' || tablename from pg_tables "
            "where schemaname not in ('pg_catalog', 'information_schema')"
        )
    }
    return schemas, tables


@pytest.fixture
def commentary_in_every_state(people):
    """PCT: signed off three months ago, then later periods in each other state (all marked
    public); REGISTER: confirmed only. The database made a warehouse; put back after."""
    from webapp.officer.models import Commentary

    url = warehouse_url()
    with psycopg.connect(url, autocommit=True) as conn:
        schemas_before, tables_before = _catalogue(conn)
    bootstrap.bootstrap(url)
    today = dt.date.today()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(FACTS_DDL)
        conn.execute(
            "update marts.dim_measures set portfolio = 'Housing' where measure_id = %s", (PCT,)
        )
        for measure_id in (PCT, REGISTER):
            for back in range(12, 0, -1):
                start = month_start(today, back)
                end = month_start(today, back - 1) - dt.timedelta(days=1)
                conn.execute(
                    "insert into marts.fct_measure_values values "
                    "(%s, %s, %s, %s, 'council', %s, null, null, %s, 'final')",
                    (measure_id, BROMSGROVE, start, end, BROMSGROVE, 60 + back % 4),
                )
    now = dt.datetime.now(dt.UTC)
    common = {"council_code": BROMSGROVE, "author": "olivia", "is_public": True}
    Commentary.objects.create(
        measure_id=PCT,
        period_start=month_start(today, 5),
        what_data_shows=SIGNED,
        what_we_are_doing="Keeping the clinic.",
        status="signed_off",
        confirmed_by="maya",
        confirmed_at=now,
        signed_off_by="dev",
        signed_off_at=now,
        **common,
    )
    for back, (status, text) in enumerate(UNSIGNED.items(), start=1):
        confirmed = {"confirmed_by": "maya", "confirmed_at": now} if status == "confirmed" else {}
        Commentary.objects.create(
            measure_id=PCT,
            period_start=month_start(today, 5 - back),
            what_data_shows=text,
            what_we_are_doing=text,
            status=status,
            **confirmed,
            **common,
        )
    Commentary.objects.create(
        measure_id=REGISTER,
        period_start=month_start(today, 1),
        what_data_shows="Register: confirmed, not signed off.",
        what_we_are_doing="x",
        status="confirmed",
        confirmed_by="maya",
        confirmed_at=now,
        **common,
    )
    yield url, today
    with psycopg.connect(url, autocommit=True) as conn:
        schemas_after, tables_after = _catalogue(conn)
        for table in sorted(tables_after - tables_before):
            schema, name = table.split(".")
            if schema in schemas_before:
                conn.execute(f'drop table "{schema}"."{name}" cascade')
        for schema in sorted(schemas_after - schemas_before):
            conn.execute(f'drop schema if exists "{schema}" cascade')
        conn.execute("update marts.dim_measures set portfolio = null where measure_id = %s", (PCT,))


def pack_html(url: str, kind: str, today: dt.date) -> str:
    key = "2030-31-Q1" if kind == "scrutiny" else "2030-01"
    period = calendar.Period(kind, key, month_start(today, 12), today, today, today)
    snap = data.snapshot(url, kind, period, [BROMSGROVE])
    frozen = data.load(data.dump(snap))  # the path every pack takes (build.render_snapshot)
    docs = model.documents(frozen)
    assert docs, kind
    return "\n".join(render.html(doc) for doc in docs)


@pytest.mark.parametrize("kind", ["cabinet", "portfolio", "scrutiny"])
def test_only_signed_off_commentary_is_in_any_pack(commentary_in_every_state, kind):
    url, today = commentary_in_every_state
    html = " ".join(pack_html(url, kind, today).split())
    assert SIGNED in html
    signed_day = dt.date.today()
    if kind != "portfolio":  # a briefing gives measures that are not exceptions one row each
        assert f"Signed off by dev on {signed_day.day} {signed_day:%B %Y}." in html
        assert "Confirmed by maya on" in html
    for text in [*UNSIGNED.values(), "Register: confirmed, not signed off."]:
        assert text not in html, text
    assert "status:" not in html.lower() and "Not yet confirmed" not in html
    if kind != "portfolio":  # the register measure has no portfolio
        assert "No signed-off commentary yet." in html


def test_snapshot_keeps_only_signed_off_rows(commentary_in_every_state):
    url, today = commentary_in_every_state
    period = calendar.Period("cabinet", "2030-01", month_start(today, 12), today, today, today)
    rows = data.snapshot(url, "cabinet", period, [BROMSGROVE])["commentary"]
    assert [(r["measure_id"], r["status"], r["signed_off_by"]) for r in rows] == [
        (PCT, "signed_off", "dev")
    ]


def test_only_signed_off_public_commentary_reaches_the_public_site(commentary_in_every_state):
    url, _ = commentary_in_every_state
    publish.build_publish(url)
    council = site_data.for_council(site_data.load(url), BROMSGROVE)
    texts = [row["what_data_shows"] for rows in council.commentary.values() for row in rows]
    assert texts == [SIGNED]
