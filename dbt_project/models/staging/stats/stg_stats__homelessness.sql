with

source as (
    select * from {{ source('raw_stats', 'stats_homelessness') }}
),

renamed as (
    select
        'stats_homelessness' as source_table,
        area_code,
        area_name,
        period_start,
        period_end,
        series,
        value,
        _batch_id as batch_id
    from source
)

select * from renamed
