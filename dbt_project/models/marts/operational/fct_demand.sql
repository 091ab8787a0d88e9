{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='period_month',
        on_schema_change='fail'
    )
}}

-- Months are rebuilt whole: a month with any contact loaded since the last build (a new or a
-- replacing file), or every month when the gazetteer changed (wards move with it).
with

{{ months_to_rebuild('changed', [loaded_months(ref('stg_crm__contacts'), 'period_month')]) }},

contacts as (
    select * from {{ ref('int_contacts_classified') }}
    {{ in_months_to_rebuild('changed', 'period_month', 'received_at') }}
)

select
    council_code,
    period_month,
    service,
    channel,
    team,
    demand_type,
    failure_type,
    is_address_matched,
    coalesce(ward_code, 'unmatched') as ward_code,
    coalesce(locality, 'unmatched') as locality,
    count(*) as contacts,
    count(*) filter (where resolved_at_first_point) as resolved_first_point,
    count(*) filter (where is_self_service) as self_service_contacts,
    max(loaded_at) as loaded_at,
    max(gazetteer_loaded_at) as gazetteer_loaded_at
from contacts
group by
    council_code, period_month, service, channel, team, demand_type, failure_type,
    ward_code, locality, is_address_matched
