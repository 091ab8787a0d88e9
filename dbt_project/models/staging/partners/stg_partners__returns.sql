with

source as (
    select * from {{ source('raw_partners', 'partner_returns') }}
),

renamed as (
    select
        return_id,
        partner,
        council_code,
        measure_code,
        period_month,
        area_type,
        area_code,
        value,
        _batch_id as batch_id,
        _loaded_at as loaded_at
    from source
)

select * from renamed
