{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['source_table', 'period_month'],
        on_schema_change='append_new_columns'
    )
}}

-- Address match rates of records to the gazetteer, per source, council and month. A table
-- (rates are read by their tests and by analysts) built incrementally: a source's month is
-- recounted when any of its records was loaded since the last build, every month when the
-- gazetteer changed (months_to_rebuild).
with

{{ months_to_rebuild('contact_months', [
    loaded_months(ref('stg_crm__contacts'), 'period_month')
]) }},

{{ months_to_rebuild('case_months', [
    loaded_months(ref('stg_cases__service_cases'), 'received_month')
]) }},

contacts as (
    select
        'crm_contacts' as source_table,
        contacts.council_code,
        contacts.period_month,
        contacts.uprn is not null as has_uprn,
        addresses.uprn is not null as matched,
        contacts.loaded_at,
        addresses.loaded_at as gazetteer_loaded_at
    from {{ ref('stg_crm__contacts') }} as contacts
    left join {{ ref('int_addresses_located') }} as addresses on contacts.uprn = addresses.uprn
    {{ in_months_to_rebuild('contact_months', 'contacts.period_month', 'contacts.received_at') }}
),

cases as (
    select
        'service_cases' as source_table,
        cases.council_code,
        cases.received_month as period_month,
        cases.uprn is not null as has_uprn,
        addresses.uprn is not null as matched,
        cases.loaded_at,
        addresses.loaded_at as gazetteer_loaded_at
    from {{ ref('stg_cases__service_cases') }} as cases
    left join {{ ref('int_addresses_located') }} as addresses on cases.uprn = addresses.uprn
    {{ in_months_to_rebuild('case_months', 'cases.received_month', 'cases.received_date') }}
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
    round(100.0 * count(*) filter (where matched) / count(*), 2) as match_rate_pct,
    max(loaded_at) as loaded_at,
    max(gazetteer_loaded_at) as gazetteer_loaded_at
from records
group by source_table, council_code, period_month
