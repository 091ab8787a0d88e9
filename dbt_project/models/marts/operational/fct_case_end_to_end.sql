{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='received_month',
        on_schema_change='fail',
        post_hook="{{ unique_index(['case_id']) }}"
    )
}}

-- A month's cases are rebuilt whole when a case received in it, or a pause of such a case, was
-- (re)loaded since the last build, or every month when the gazetteer changed.
{% set paused_case_months %}
    select distinct cases.received_month
    from {{ ref('stg_cases__clock_pauses') }} as loaded
    inner join {{ ref('stg_cases__service_cases') }} as cases on loaded.case_id = cases.case_id
    where loaded.loaded_at > (select built.loaded_at from built)
{% endset %}
with

{{ months_to_rebuild('changed', [
    loaded_months(ref('stg_cases__service_cases'), 'received_month'), paused_case_months
]) }},

clocks as (
    select * from {{ ref('int_case_clocks_computed') }}
    {{ in_months_to_rebuild('changed', 'received_month', 'received_date') }}
)

select
    case_id,
    council_code,
    service,
    case_type,
    team,
    received_date,
    received_month,
    completed_date,
    completed_month,
    is_open,
    outcome,
    gross_days,
    paused_days,
    pauses,
    net_days,
    is_address_matched,
    batch_id,
    loaded_at,
    gazetteer_loaded_at,
    coalesce(ward_code, 'unmatched') as ward_code,
    coalesce(locality, 'unmatched') as locality
from clocks
