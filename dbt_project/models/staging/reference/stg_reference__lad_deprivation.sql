with

source as (
    select * from {{ source('raw_reference', 'ref_lad_deprivation') }}
),

renamed as (
    select
        lad_code,
        cast(iod_year as integer) as iod_year,
        measure,
        value,
        _batch_id as batch_id
    from source
)

select * from renamed
