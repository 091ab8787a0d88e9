with

source as (
    select * from {{ source('raw_reference', 'ref_deprivation') }}
),

renamed as (
    select
        lsoa_code,
        lsoa_version,
        cast(iod_year as integer) as iod_year,
        imd_score,
        imd_rank,
        imd_decile,
        lad_code,
        _batch_id as batch_id
    from source
)

select * from renamed
