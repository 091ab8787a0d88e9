with

source as (
    select * from {{ source('raw_gazetteer', 'gazetteer') }}
),

renamed as (
    select
        uprn,
        council_code,
        postcode,
        ward_code,
        ward_name,
        lsoa_code,
        locality,
        address_type,
        _batch_id as batch_id,
        _loaded_at as loaded_at
    from source
)

select * from renamed
