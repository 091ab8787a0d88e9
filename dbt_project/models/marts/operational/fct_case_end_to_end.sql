{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='received_month',
        on_schema_change='fail'
    )
}}

-- depends_on: {{ ref('int_addresses_located') }}
-- A month's cases are rebuilt whole when its case or pause file was (re)loaded since the last
-- build, or every month when the gazetteer changed.
with

clocks as (
    select * from {{ ref('int_case_clocks_computed') }}
    {{ changed_months(ref('int_case_clocks_computed'), 'received_month') }}
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
