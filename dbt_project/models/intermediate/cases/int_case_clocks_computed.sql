-- Each case's clock: received (first contact), completed (the customer's done), days paused
-- and the end-to-end days with the pauses subtracted; with its ward and locality.
with

cases as (
    select * from {{ ref('stg_cases__service_cases') }}
),

pauses as (
    select * from {{ ref('int_case_pauses_summed') }}
),

addresses as (
    select * from {{ ref('int_addresses_located') }}
)

select
    cases.case_id,
    cases.council_code,
    cases.service,
    cases.case_type,
    cases.team,
    cases.received_date,
    cases.received_month,
    cases.completed_date,
    cases.outcome,
    addresses.ward_code,
    addresses.locality,
    cases.batch_id,
    addresses.loaded_at as gazetteer_loaded_at,
    cast(date_trunc('month', cases.completed_date) as date) as completed_month,
    cases.completed_date is null as is_open,
    cases.completed_date - cases.received_date as gross_days,
    coalesce(pauses.paused_days, 0) as paused_days,
    coalesce(pauses.pauses, 0) as pauses,
    cases.completed_date - cases.received_date - coalesce(pauses.paused_days, 0) as net_days,
    addresses.uprn is not null as is_address_matched,
    greatest(cases.loaded_at, pauses.loaded_at) as loaded_at
from cases
left join pauses on cases.case_id = pauses.case_id
left join addresses on cases.uprn = addresses.uprn
