with

source as (
    select * from {{ source('raw_cases', 'case_clock_pauses') }}
),

renamed as (
    select
        pause_id,
        case_id,
        council_code,
        case_received_date,
        cast(date_trunc('month', case_received_date) as date) as received_month,
        paused_from,
        paused_to,
        reason,
        _batch_id as batch_id,
        _loaded_at as loaded_at
    from source
)

select * from renamed
