-- Which loaded batches each measure value comes from: the source files whose period overlaps
-- the value's period (for case sources, every file up to the period's end, since a case
-- completed in the period may have arrived in an earlier month's file), the static reference
-- and statistics files, and the registry version that defined the measure.
with

registry as (
    select * from {{ ref('stg_registry__measures') }}
),

measure_periods as (
    select distinct
        measure_id,
        council_code,
        period_start,
        period_end
    from {{ ref('fct_measure_values') }}
),

measure_sources as (
    select
        measure_periods.*,
        registry.input_method,
        trim(source_name) as source_table
    from measure_periods
    inner join registry
        on
            measure_periods.measure_id = registry.measure_id
            and measure_periods.council_code = registry.council_code
    cross join lateral unnest(string_to_array(registry.source, ',')) as source_name
),

batches as (
    select * from {{ ref('stg_audit__loads') }}
    where outcome = 'loaded'
),

from_sources as (
    select
        measure_sources.measure_id,
        measure_sources.council_code,
        measure_sources.period_start,
        measure_sources.period_end,
        measure_sources.source_table as source,
        batches.batch_id
    from measure_sources
    inner join batches
        on
            measure_sources.source_table = batches.source_table
            and (
                batches.period_start is null
                or batches.source_table like 'stats\_%'
                or (
                    measure_sources.period_end >= batches.period_start
                    and (
                        measure_sources.period_start <= batches.period_end
                        or batches.source_table in ('service_cases', 'case_clock_pauses')
                    )
                )
            )
),

from_manual as (
    select
        measure_id,
        council_code,
        period_start,
        period_end,
        source_table as source,
        cast(null as uuid) as batch_id
    from measure_sources
    where source_table = 'input.manual_values'
),

from_registry as (
    select
        measure_periods.measure_id,
        measure_periods.council_code,
        measure_periods.period_start,
        measure_periods.period_end,
        'measure_registry' as source,
        registry.batch_id
    from measure_periods
    inner join registry
        on
            measure_periods.measure_id = registry.measure_id
            and measure_periods.council_code = registry.council_code
),

lineage as (
    select * from from_sources
    union all
    select * from from_manual
    union all
    select * from from_registry
)

select
    cast(measure_id as text) as measure_id,
    cast(council_code as text) as council_code,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(source as text) as source,
    cast(batch_id as uuid) as batch_id
from lineage
