with

source as (
    select * from {{ source('raw_reference', 'ref_nearest_neighbours') }}
),

renamed as (
    select
        model,
        area_code,
        area_name,
        cast(neighbour_rank as integer) as neighbour_rank,
        neighbour_code,
        neighbour_name,
        _batch_id as batch_id
    from source
)

select * from renamed
