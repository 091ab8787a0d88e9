with

source as (
    select * from {{ source('raw_hr', 'hr_enabling') }}
),

renamed as (
    select
        council_code,
        team,
        service,
        period_month,
        fte,
        sickness_days,
        foi_requests,
        foi_in_time,
        complaints,
        complaints_upheld,
        complaints_in_time,
        _batch_id as batch_id,
        _loaded_at as loaded_at
    from source
)

select * from renamed
