"""The quality tables: check results, waivers, freshness overrides and gate decisions.

Documented in docs/tables.md ("Quality: results, waivers, overrides"). Created idempotently by
`ensure_tables`, which every writer and the gate call, so no other bootstrap step is needed.
Waivers and overrides are audited by triggers: every insert, update and delete is copied, with
the database user and time, into audit.quality_override_events.
"""

import psycopg

QUALITY_TABLES_SQL = """
create table if not exists audit.quality_runs (
    run_id uuid primary key,
    suite text not null,
    table_name text not null,
    success boolean not null,
    expectations integer not null,
    failed integer not null,
    checked_at timestamptz not null default now()
);
create index if not exists quality_runs_suite on audit.quality_runs (suite, checked_at desc);
alter table audit.quality_runs add column if not exists scope text not null default 'whole table';
alter table audit.quality_runs add column if not exists basis text;

create table if not exists audit.quality_coverage (
    suite text not null,
    batch_id uuid not null,
    run_id uuid not null references audit.quality_runs (run_id) on delete cascade,
    primary key (suite, batch_id)
);

create table if not exists audit.quality_results (
    result_id bigserial primary key,
    run_id uuid not null references audit.quality_runs (run_id) on delete cascade,
    suite text not null,
    check_id text not null,
    expectation_type text not null,
    criterion text not null check (criterion in
        ('relevant', 'well_defined', 'timely', 'reliable', 'verifiable', 'accurate')),
    severity text not null check (severity in ('ERROR', 'WARN')),
    success boolean not null,
    unexpected_count bigint,
    observed text,
    measure_id text,
    council_code text,
    period_start date,
    evidence text,
    checked_at timestamptz not null default now()
);
create index if not exists quality_results_run on audit.quality_results (run_id);

create table if not exists input.quality_waivers (
    waiver_id bigserial primary key,
    check_id text,
    measure_id text,
    council_code text,
    period_start date,
    criterion text check (criterion is null or criterion in
        ('relevant', 'well_defined', 'timely', 'reliable', 'verifiable', 'accurate')),
    reason text not null check (length(btrim(reason)) >= 5),
    waived_by text not null check (length(btrim(waived_by)) > 0),
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    revoked_at timestamptz,
    revoked_by text,
    check (check_id is not null or measure_id is not null),
    check (expires_at > created_at)
);

create table if not exists input.freshness_overrides (
    override_id bigserial primary key,
    output text not null,
    source text,
    reason text not null check (length(btrim(reason)) >= 5),
    person text not null check (length(btrim(person)) > 0),
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    revoked_at timestamptz,
    revoked_by text,
    check (expires_at > created_at)
);

create table if not exists audit.quality_override_events (
    event_id bigserial primary key,
    table_name text not null,
    row_id bigint not null,
    action text not null,
    row_data jsonb not null,
    changed_by text not null default current_user,
    changed_at timestamptz not null default now()
);

create or replace function audit.record_quality_override() returns trigger
language plpgsql as $$
declare
    payload jsonb;
begin
    payload := to_jsonb(case when tg_op = 'DELETE' then old else new end);
    insert into audit.quality_override_events (table_name, row_id, action, row_data)
    values (tg_table_schema || '.' || tg_table_name,
            coalesce((payload ->> 'waiver_id')::bigint, (payload ->> 'override_id')::bigint),
            lower(tg_op), payload);
    return null;
end
$$;

drop trigger if exists quality_waivers_audit on input.quality_waivers;
create trigger quality_waivers_audit after insert or update or delete on input.quality_waivers
    for each row execute function audit.record_quality_override();
drop trigger if exists freshness_overrides_audit on input.freshness_overrides;
create trigger freshness_overrides_audit
    after insert or update or delete on input.freshness_overrides
    for each row execute function audit.record_quality_override();

create table if not exists audit.gate_decisions (
    decision_id bigserial primary key,
    output text not null,
    period_end date,
    allowed boolean not null,
    reasons jsonb not null,
    warnings jsonb not null,
    decided_by text not null default current_user,
    decided_at timestamptz not null default now()
);
"""

_LOCK = 424243


def ensure_tables(conn: psycopg.Connection) -> None:
    """Create the quality tables if missing; serialised so concurrent callers don't collide."""
    exists = conn.execute(
        "select to_regclass('audit.gate_decisions') is not null"
        " and to_regclass('input.freshness_overrides') is not null"
        " and to_regclass('audit.quality_coverage') is not null"
    ).fetchone()[0]
    if exists:
        return
    conn.execute("select pg_advisory_xact_lock(%s)", (_LOCK,))
    conn.execute(QUALITY_TABLES_SQL)


def ensure_tables_at(url: str) -> None:
    with psycopg.connect(url) as conn:
        ensure_tables(conn)
