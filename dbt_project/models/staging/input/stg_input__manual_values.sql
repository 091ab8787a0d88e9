-- A table, not a view: no view may depend on input.manual_values, so the officer app's first
-- migration can replace the pipeline's fallback table (orchestration/commands/common.py).
{{ config(materialized='table') }}

with

source as (
    select * from {{ source('input', 'manual_values') }}
),

renamed as (
    select
        measure_id,
        council_code,
        period_start,
        period_end,
        value,
        numerator,
        denominator,
        entered_by,
        status,
        confirmed_by,
        updated_at
    from source
)

select * from renamed
