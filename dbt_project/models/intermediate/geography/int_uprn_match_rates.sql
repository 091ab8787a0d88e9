-- A table: the rates are read by their tests and by analysts; as a view each read would
-- re-join every contact and case to the gazetteer.
{{ config(materialized='table') }}

-- Address match rates of records to the gazetteer, per source, council and month.
with

contacts as (
    select
        'crm_contacts' as source_table,
        contacts.council_code,
        contacts.period_month,
        contacts.uprn is not null as has_uprn,
        addresses.uprn is not null as matched
    from {{ ref('stg_crm__contacts') }} as contacts
    left join {{ ref('int_addresses_located') }} as addresses on contacts.uprn = addresses.uprn
),

cases as (
    select
        'service_cases' as source_table,
        cases.council_code,
        cases.received_month as period_month,
        cases.uprn is not null as has_uprn,
        addresses.uprn is not null as matched
    from {{ ref('stg_cases__service_cases') }} as cases
    left join {{ ref('int_addresses_located') }} as addresses on cases.uprn = addresses.uprn
),

records as (
    select * from contacts
    union all
    select * from cases
)

select
    source_table,
    council_code,
    period_month,
    count(*) as records,
    count(*) filter (where has_uprn) as records_with_uprn,
    count(*) filter (where matched) as records_matched,
    round(100.0 * count(*) filter (where matched) / count(*), 2) as match_rate_pct
from records
group by source_table, council_code, period_month
