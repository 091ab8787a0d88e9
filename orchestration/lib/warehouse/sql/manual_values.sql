-- input.manual_values as docs/tables.md defines it (owned by the officer app); created here if
-- missing so the measures model can read an empty table before the app has written anything.
create table if not exists input.manual_values (
    measure_id text not null,
    council_code text not null,
    period_start date not null,
    period_end date not null,
    value numeric,
    numerator numeric,
    denominator numeric,
    entered_by text,
    status text not null default 'draft',
    confirmed_by text,
    updated_at timestamptz not null default now()
);
-- The officer-input sensor reads when a value was confirmed (the app's table has it too).
alter table input.manual_values add column if not exists confirmed_at timestamptz;
