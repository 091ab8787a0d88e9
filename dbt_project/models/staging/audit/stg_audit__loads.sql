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
        finished_at
    from source
)

select * from renamed
