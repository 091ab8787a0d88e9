with

source as (
    select * from {{ source('raw', 'crm_contacts') }}
),

renamed as (
    select
        contact_id,
        council_code,
        received_at,
        cast(received_at as date) as received_date,
        cast(date_trunc('month', received_at) as date) as period_month,
        channel,
        service,
        team,
        demand_type,
        failure_type,
        uprn,
        resolved_at_first_point,
        _batch_id as batch_id,
        _source_file as source_file,
        _loaded_at as loaded_at
    from source
)

select * from renamed
