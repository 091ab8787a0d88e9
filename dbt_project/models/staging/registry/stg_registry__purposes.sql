with

source as (
    select * from {{ source('raw_registry', 'measure_purposes') }}
),

renamed as (
    select
        purpose_code,
        purpose_name,
        director,
        description,
        sort_order,
        _batch_id as batch_id
    from source
)

select * from renamed
