-- Each case's clock: received (first contact), completed (the customer's done), days paused
-- and the end-to-end days with the pauses subtracted; with its ward and locality.
-- Days are fractional when the case system records both times (a median of a few days is
-- otherwise recorded in steps of a whole day, too coarse to show its variation), else whole
-- days between the dates. Pauses are whole days: they are recorded as dates.
with

cases as (
    select
        *,
        case
            when received_at is not null and completed_at is not null
                -- Elapsed time in London, so a clock change does not add or take an hour.
                then round(
                    cast(
                        extract(epoch from (
                            (completed_at at time zone 'Europe/London')
                            - (received_at at time zone 'Europe/London')
                        )) / 86400 as numeric
                    ),
                    4
                )
            else completed_date - received_date
        end as clock_days
    from {{ ref('stg_cases__service_cases') }}
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
    cases.received_at,
    cases.completed_at,
    cases.outcome,
    cases.clock_days as gross_days,
    addresses.ward_code,
    addresses.locality,
    cases.batch_id,
    addresses.loaded_at as gazetteer_loaded_at,
    cast(date_trunc('month', cases.completed_date) as date) as completed_month,
    cases.completed_date is null as is_open,
    coalesce(pauses.paused_days, 0) as paused_days,
    coalesce(pauses.pauses, 0) as pauses,
    cases.clock_days - coalesce(pauses.paused_days, 0) as net_days,
    addresses.uprn is not null as is_address_matched,
    greatest(cases.loaded_at, pauses.loaded_at) as loaded_at
from cases
left join pauses on cases.case_id = pauses.case_id
left join addresses on cases.uprn = addresses.uprn
