"""Build marts.measure_quality: one row per measure x council x period x criterion.

Status per criterion, worst first: `fail` (an ERROR check failed and no active waiver covers
it), `waived` (it failed but a waiver covers it), `warn` (a WARN check failed), `pass`.
Findings come from the latest run of every suite (audit.quality_results): rows recorded for a
measure (and council, period) apply to that figure; table-wide failures of marts.fct_measure_values,
marts.dim_measures and marts.dim_purposes apply to every figure, and those of raw.<source> to
the measures whose dim_measures.source names that source. Everything but the timeliness
calendar is computed in PostgreSQL.

Timely (freshness.py), for each source the measure names:
- a scheduled source (a `due_working_day`): the data of the figure's last month (or quarter)
  arrived by their due date (pass), after it (warn: late), or never, once due (fail); and the
  latest figure of a measure and council fails while data for the period after it are due and
  have not arrived (the figures stop early: a month missing once due);
- a published statistic (`published_months_after`): the latest figure held is timely while no
  later edition is expected yet; one edition expected and not held is a warning (the publisher
  may be late, or it has not been loaded yet), more than one a failure. Earlier figures are
  history and are not judged.
"""

import datetime as dt

import psycopg

from orchestration.lib import contracts, descriptions
from orchestration.lib.quality import freshness, store

_DAY = dt.timedelta(days=1)

CREATE_SQL = """
create table if not exists marts.measure_quality (
    measure_id text not null,
    council_code text not null,
    period_start date not null,
    criterion text not null,
    status text not null check (status in ('pass', 'warn', 'fail', 'waived')),
    evidence text not null,
    checked_at timestamptz not null default now(),
    primary key (measure_id, council_code, period_start, criterion)
)
"""

# One row per figure; `is_latest` marks each measure and council's newest.
FIGURES_SQL_NO_DEFINITIONS = """
create temp table quality_figures on commit drop as
select *, period_start = max(period_start) over (partition by measure_id, council_code)
       as is_latest
from (
    select distinct on (measure_id, council_code, period_start)
           measure_id, council_code, period_start, period_end, ''::text as source
    from marts.fct_measure_values where geography_type = 'council'
    order by measure_id, council_code, period_start, period_end desc
) figures
"""

FIGURES_SQL = """
create temp table quality_figures on commit drop as
select *, period_start = max(period_start) over (partition by measure_id, council_code)
       as is_latest
from (
    select distinct on (f.measure_id, f.council_code, f.period_start)
           f.measure_id, f.council_code, f.period_start, f.period_end,
           coalesce(m.source, '') as source
    from marts.fct_measure_values f
    left join marts.dim_measures m using (measure_id, council_code)
    where f.geography_type = 'council'
    order by f.measure_id, f.council_code, f.period_start, f.period_end desc
) figures
"""

FINDINGS_SQL = """
create temp table quality_findings on commit drop as
with latest as (
    select distinct on (suite) run_id from audit.quality_runs order by suite, checked_at desc
),
failures as (
    select r.* from audit.quality_results r join latest using (run_id) where not r.success
)
select g.measure_id, g.council_code, g.period_start, r.criterion, r.suite, r.check_id,
       case when r.severity = 'ERROR' then 'fail' else 'warn' end as status,
       r.suite || ': ' || coalesce(r.evidence, r.check_id) as evidence
from quality_figures g
join failures r on (
    (r.measure_id = g.measure_id
     and (r.council_code is null or r.council_code = g.council_code)
     and (r.period_start is null or r.period_start = g.period_start))
    or (r.measure_id is null and (
        r.suite in ('marts.fct_measure_values', 'marts.dim_measures', 'marts.dim_purposes')
        or (r.suite like 'raw.%' and g.source ~ ('\\m' || substr(r.suite, 5) || '\\M'))))
)
"""

# A judgment without period_start applies to every figure ending on period_end (arrival); one
# with it only to a latest figure of that period (what should have followed it).
TIMELY_JUDGMENTS_SQL = """
create temp table timely_judgments (
    source text, period_start date, period_end date, status text, evidence text
) on commit drop
"""

# A figure is as timely as each source its dim_measures.source names.
TIMELY_FINDINGS_SQL = """
insert into quality_findings (measure_id, council_code, period_start, criterion, suite,
    check_id, status, evidence)
select g.measure_id, g.council_code, g.period_start, 'timely', 'freshness.' || j.source,
       'freshness:' || j.source, j.status, j.evidence
from quality_figures g
join timely_judgments j on j.period_end = g.period_end
    and j.source = any(string_to_array(replace(g.source, ' ', ''), ','))
    and (j.period_start is null or (g.is_latest and j.period_start = g.period_start))
"""

BUILD_SQL = """
with criteria(criterion) as (
    values ('relevant'), ('well_defined'), ('timely'), ('reliable'), ('verifiable'), ('accurate')
),
judged as (
    select q.*, w.waiver_id, w.waived_by, w.reason as waiver_reason, w.expires_at
    from quality_findings q
    left join lateral (
        select * from input.quality_waivers w
        where w.revoked_at is null and w.expires_at > now()
          and (w.check_id is null or w.check_id in (q.check_id, q.suite))
          and (w.measure_id is null or w.measure_id = q.measure_id)
          and (w.council_code is null or w.council_code = q.council_code)
          and (w.period_start is null or w.period_start = q.period_start)
          and (w.criterion is null or w.criterion = q.criterion)
        order by w.waiver_id limit 1
    ) w on q.status = 'fail'
)
insert into marts.measure_quality (measure_id, council_code, period_start, criterion, status,
    evidence, checked_at)
select g.measure_id, g.council_code, g.period_start, c.criterion,
       case
           when bool_or(j.status = 'fail' and j.waiver_id is null) then 'fail'
           when bool_or(j.status = 'fail') then 'waived'
           when bool_or(j.status = 'warn') then 'warn'
           else 'pass'
       end,
       coalesce(
           string_agg(distinct j.evidence || case when j.waiver_id is not null then
               ' Waived by ' || j.waived_by || ' until ' || to_char(j.expires_at, 'DD Mon YYYY')
               || ': ' || j.waiver_reason else '' end, ' | '),
           'All checks passed.'),
       now()
from quality_figures g
cross join criteria c
left join judged j on j.measure_id = g.measure_id and j.council_code = g.council_code
    and j.period_start = g.period_start and j.criterion = c.criterion
group by g.measure_id, g.council_code, g.period_start, c.criterion
"""


def _named(source_text: str) -> set[str]:
    """The sources a dim_measures.source names ("finance_ledger,crm_contacts")."""
    return {name.strip() for name in source_text.split(",") if name.strip()}


def _timely_judgments(conn: psycopg.Connection, today: dt.date) -> list[tuple]:
    """(source, period start or None, period end, status, evidence) for each finding: judged
    once per source and period, not once per figure."""
    every = contracts.all_contracts()
    scheduled = {name: c for name, c in every.items() if freshness.has_rule(c)}
    published = {name: c for name, c in every.items() if freshness.has_publication_rule(c)}
    arrivals: dict[tuple[str, dt.date], tuple[str, str] | None] = {}
    ends = conn.execute("select distinct source, period_end from quality_figures").fetchall()
    for source_text, period_end in ends:
        for name in _named(source_text) & scheduled.keys():
            if (name, period_end) not in arrivals:
                arrivals[name, period_end] = _judge(conn, scheduled[name], period_end, today)
    latest: dict[tuple[str, dt.date, dt.date], tuple[str, str] | None] = {}
    newest = conn.execute(
        "select distinct source, period_start, period_end from quality_figures where is_latest"
    ).fetchall()
    for source_text, start, end in newest:
        figure = freshness.Period(start, end)
        for name in _named(source_text):
            if (name, start, end) in latest:
                continue
            if name in scheduled:
                latest[name, start, end] = _judge_next(conn, scheduled[name], figure, today)
            elif name in published:
                latest[name, start, end] = _judge_edition(conn, published[name], figure, today)
    return [
        (source, None, end, *judgment)
        for (source, end), judgment in arrivals.items()
        if judgment is not None
    ] + [(*key, *judgment) for key, judgment in latest.items() if judgment is not None]


def _judge(conn, contract, period_end: dt.date, today: dt.date) -> tuple[str, str] | None:
    """Did the data of the source's period holding the figure's last day arrive by their due
    date (None), late (warn), or not at all once due (fail)?"""
    period = freshness.period_containing(contract.frequency, period_end)
    state = freshness.SourceFreshness(
        contract.source,
        period,
        freshness.due_date(contract, period),
        freshness.loaded_at(conn, contract.source, period),
    )
    if state.stale:
        return ("fail", state.message()) if state.due <= today else None
    return ("warn", state.message()) if state.late else None


def _judge_next(conn, contract, figure: freshness.Period, today: dt.date):
    """A latest figure fails when the figure after it is expected (all its source periods are
    due) and data for one of them have not arrived: the figures stop early."""
    following = figure.following()
    last = freshness.period_containing(contract.frequency, following.end)
    if freshness.due_date(contract, last) > today:
        return None
    period = freshness.period_containing(contract.frequency, following.start)
    while period.start <= last.start:
        if freshness.loaded_at(conn, contract.source, period) is None:
            due = freshness.due_date(contract, period)
            return (
                "fail",
                f"{contract.title}: data for {period.label()} have not arrived (due by "
                f"{due:%d %B %Y}), so the figures stop at {figure.words()}.",
            )
        period = freshness.period_containing(contract.frequency, period.end + _DAY)
    return None


def _judge_edition(conn, contract, figure: freshness.Period, today: dt.date):
    """A latest published figure is timely until the edition after it is expected; one
    expected edition not held warns, more than one fails."""
    following = figure.following()
    if freshness.publication_due(contract, following) > today or _holds_from(
        conn, contract.source, following.start
    ):
        return None
    behind, expected = 0, following
    while freshness.publication_due(contract, expected.following()) <= today:
        behind, expected = behind + 1, expected.following()
    behind += 1
    due = freshness.publication_due(contract, expected)
    if contract.frequency == "annual":
        calendar = f"{expected.words()} figures are published each {due:%B}"
    else:
        calendar = (
            f"figures for {expected.words()} were due to be published by {due:%d %B %Y}, "
            f"{contract.published_months_after} months after the quarter"
        )
    missing = "" if behind == 1 else f", {behind} editions behind"
    return (
        "warn" if behind == 1 else "fail",
        f"{contract.title}: {calendar}; the latest held is {figure.words()}{missing}.",
    )


def _holds_from(conn, source: str, day: dt.date) -> bool:
    """Whether a loaded batch of the source holds data from `day` on (a later edition loaded,
    though this measure has no figure in it)."""
    return conn.execute(
        "select exists (select 1 from audit.loads where source = %s and outcome = 'loaded' "
        "and period_end >= %s)",
        (source, day),
    ).fetchone()[0]


def _exists(conn: psycopg.Connection, relation: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (relation,)).fetchone()[0]


def build_measure_quality(url: str, today: dt.date | None = None) -> int | None:
    """Rebuild marts.measure_quality in one transaction; returns its rows (None: no figures)."""
    today = today or freshness.london_today()
    with psycopg.connect(url) as conn:
        if not _exists(conn, "marts.fct_measure_values"):
            return None
        store.ensure_tables(conn)
        conn.execute("select pg_advisory_xact_lock(424244)")
        conn.execute(CREATE_SQL)
        descriptions.apply(conn, "marts", ["measure_quality"])  # table_descriptions.yml
        definitions = _exists(conn, "marts.dim_measures")
        conn.execute(FIGURES_SQL if definitions else FIGURES_SQL_NO_DEFINITIONS)
        conn.execute(FINDINGS_SQL)
        judgments = _timely_judgments(conn, today)
        conn.execute(TIMELY_JUDGMENTS_SQL)
        with conn.cursor().copy("copy timely_judgments from stdin") as copy:
            for row in judgments:
                copy.write_row(row)
        conn.execute(TIMELY_FINDINGS_SQL)
        conn.execute("delete from marts.measure_quality")
        conn.execute(BUILD_SQL)
        return conn.execute("select count(*) from marts.measure_quality").fetchone()[0]


def add_waiver(
    url: str,
    *,
    reason: str,
    waived_by: str,
    expires_at: dt.datetime,
    check_id: str | None = None,
    measure_id: str | None = None,
    council_code: str | None = None,
    period_start: dt.date | None = None,
    criterion: str | None = None,
) -> int:
    """Record a waiver (audited by trigger); returns its id."""
    with psycopg.connect(url) as conn:
        store.ensure_tables(conn)
        return conn.execute(
            """insert into input.quality_waivers (check_id, measure_id, council_code,
                   period_start, criterion, reason, waived_by, expires_at)
               values (%s, %s, %s, %s, %s, %s, %s, %s) returning waiver_id""",
            (
                check_id,
                measure_id,
                council_code,
                period_start,
                criterion,
                reason,
                waived_by,
                expires_at,
            ),
        ).fetchone()[0]
