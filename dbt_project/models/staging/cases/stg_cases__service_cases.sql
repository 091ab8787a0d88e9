with

source as (
    select * from {{ source('raw_cases', 'service_cases') }}
),

renamed as (
    select
        case_id,
        council_code,
        service,
        case_type,
        team,
        received_date,
        completed_date,
        received_at,
        completed_at,
        cast(date_trunc('month', received_date) as date) as received_month,
        outcome,
        uprn,
        _batch_id as batch_id,
        _source_file as source_file,
        _loaded_at as loaded_at
    from source
)

select * from renamed
