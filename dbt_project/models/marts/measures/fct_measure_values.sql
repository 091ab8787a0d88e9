-- Every measure's value at its own frequency (docs/tables.md): council rows, comparator
-- districts (lad) for published statistics, and ward/locality rows where the registry asks for
-- those breakdowns. A period that runs past the latest month of data is provisional.
with

registry as (
    select * from {{ ref('stg_registry__measures') }}
),

derived as (
    select * from {{ ref('int_measure_values_derived') }}
),

latest_month as (
    select
        council_code,
        cast(max(period_month) + interval '1 month' - interval '1 day' as date) as last_day
    from {{ ref('fct_demand') }}
    group by council_code
),

values_with_status as (
    select
        derived.measure_id,
        derived.council_code,
        derived.period_type,
        derived.period_start,
        derived.period_end,
        derived.geography_type,
        derived.geography_code,
        derived.numerator,
        derived.denominator,
        derived.value,
        now() as loaded_at,
        case when derived.period_end > latest_month.last_day then 'provisional' else 'final' end
            as status
    from derived
    left join latest_month on derived.council_code = latest_month.council_code
    union all
    select
        published.measure_id,
        published.council_code,
        published.period_type,
        published.period_start,
        published.period_end,
        published.geography_type,
        published.geography_code,
        published.numerator,
        published.denominator,
        published.value,
        now() as loaded_at,
        'final' as status
    from {{ ref('int_measure_values_published') }} as published
    union all
    select
        manual.measure_id,
        manual.council_code,
        manual.period_type,
        manual.period_start,
        manual.period_end,
        manual.geography_type,
        manual.geography_code,
        manual.numerator,
        manual.denominator,
        manual.value,
        manual.loaded_at,
        manual.status
    from {{ ref('int_measure_values_manual') }} as manual
)

select
    cast(v.measure_id as text) as measure_id,
    cast(v.council_code as text) as council_code,
    cast(v.period_start as date) as period_start,
    cast(v.period_end as date) as period_end,
    cast(v.geography_type as text) as geography_type,
    cast(v.geography_code as text) as geography_code,
    cast(v.numerator as numeric) as numerator,
    cast(v.denominator as numeric) as denominator,
    cast(v.value as numeric) as value,
    cast(v.status as text) as status,
    cast(v.loaded_at as timestamptz) as loaded_at
from values_with_status as v
inner join registry
    on v.measure_id = registry.measure_id and v.council_code = registry.council_code
where
    v.period_type = registry.frequency_period_type
    -- A rate of nothing is not a figure: no row when its denominator is zero (e.g. a month
    -- without FOI requests has no in-time share).
    and not (v.value is null and v.denominator = 0)
    and (
        v.geography_type in ('council', 'lad')
        or v.geography_type = any(string_to_array(registry.breakdowns, ','))
    )
