with

source as (
    select * from {{ source('audit', 'loads') }}
),

renamed as (
    select
        batch_id,
        source as source_table,
        file_name,
        file_checksum,
        period_start,
        period_end,
        rows_loaded,
        outcome,
        -- the load's transaction time, which every raw row it wrote carries as _loaded_at
        started_at as loaded_at,
        finished_at
    from source
)

select * from renamed
