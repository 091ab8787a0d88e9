with

source as (
    select * from {{ source('raw_reference', 'ref_population') }}
),

renamed as (
    select
        area_type,
        area_code,
        cast(year as integer) as population_year,
        age_band,
        persons,
        _batch_id as batch_id
    from source
)

select * from renamed
