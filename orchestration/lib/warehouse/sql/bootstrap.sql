-- Schemas and roles of the warehouse (README.md, docs/tables.md). Idempotent: safe on every start.
create schema if not exists raw;
create schema if not exists input;
create schema if not exists staging;
create schema if not exists intermediate;
create schema if not exists marts;
create schema if not exists analysis;
create schema if not exists publish;
create schema if not exists audit;

-- No JIT compilation of plans in this database (new sessions). PostgreSQL compiles a plan whose
-- estimated cost passes jit_above_cost; the estimates of this warehouse's queries run high (the
-- raw tables' BRIN ranges especially), so plans were compiled that took longer to compile than
-- to run (a new month's address match rates, for one; docs/benchmarks.md).
do $$
begin
    execute format('alter database %I set jit = off', current_database());
end
$$;

do $$
begin
    if not exists (select from pg_roles where rolname = 'bdc_loader') then
        create role bdc_loader nologin;
    end if;
    if not exists (select from pg_roles where rolname = 'analyst') then
        create role analyst nologin;
    end if;
    if not exists (select from pg_roles where rolname = 'public_reader') then
        create role public_reader nologin;
    end if;
end
$$;

-- public_reader reads publish only; analyst reads marts, analysis and publish; loader writes raw,
-- input and audit. Nobody but the owner reads raw, input, staging or intermediate.
revoke all on schema public from public;
revoke all on schema raw, input, staging, intermediate, audit from analyst, public_reader;
grant usage on schema raw, input, audit to bdc_loader;
grant select, insert, update, delete on all tables in schema raw, input, audit to bdc_loader;
grant usage on schema marts, analysis, publish to analyst;
grant select on all tables in schema marts, analysis, publish to analyst;
grant usage on schema publish to public_reader;
grant select on all tables in schema publish to public_reader;
alter default privileges in schema raw, input, audit
    grant select, insert, update, delete on tables to bdc_loader;
alter default privileges in schema marts, analysis, publish grant select on tables to analyst;
alter default privileges in schema publish grant select on tables to public_reader;

create table if not exists audit.loads (
    batch_id uuid primary key,
    source text not null,
    file_name text not null,
    file_checksum text not null,
    file_bytes bigint not null,
    period_start date,
    period_end date,
    rows_read bigint not null default 0,
    rows_loaded bigint not null default 0,
    rows_rejected bigint not null default 0,
    outcome text not null,
    message text,
    report_path text,
    loaded_by text not null default current_user,
    started_at timestamptz not null default now(),
    finished_at timestamptz
);
create index if not exists loads_source_checksum on audit.loads (source, file_checksum);
-- A loaded batch may later be superseded by a newer version of its period, or withdrawn by
-- hand (`bdc withdraw`): who, when and why are kept with it.
alter table audit.loads drop constraint if exists loads_outcome_check;
alter table audit.loads add constraint loads_outcome_check
    check (outcome in ('loaded', 'rejected', 'duplicate', 'superseded', 'withdrawn'));
alter table audit.loads add column if not exists withdrawn_at timestamptz;
alter table audit.loads add column if not exists withdrawn_by text;
alter table audit.loads add column if not exists withdrawn_reason text;
-- When the models were last rebuilt in full after the withdrawal (the incremental facts rebuild
-- only months with rows loaded since: a withdrawal loads none).
alter table audit.loads add column if not exists withdrawal_rebuilt_at timestamptz;
-- When the file arrived in the landing zone (its modification time there), as distinct from when
-- a run got round to loading it (finished_at).
alter table audit.loads add column if not exists received_at timestamptz;

-- One row when the internal data came from the demonstration generator (`bdc demo`): every
-- public page and member report built from it then says so (orchestration/lib/demonstration.py).
create table if not exists audit.data_origin (
    only_row boolean primary key default true check (only_row),
    origin text not null check (origin in ('demonstration')),
    marked_at timestamptz not null default now(),
    marked_by text not null default current_user
);
