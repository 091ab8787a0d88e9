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
