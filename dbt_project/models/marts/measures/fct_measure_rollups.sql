-- Council-level values of the derived measures for every period at or above the measure's own
-- frequency: months rolled up to Cabinet cycles (two months), financial quarters and years.
with

registry as (
    select
        *,
        case frequency_period_type
            when 'month' then 1 when 'quarter' then 3 else 4
        end as frequency_rank
    from {{ ref('stg_registry__measures') }}
),

derived as (
    select * from {{ ref('int_measure_values_derived') }}
)

select
    derived.measure_id,
    derived.council_code,
    derived.period_type,
    derived.period_start,
    derived.period_end,
    derived.numerator,
    derived.denominator,
    derived.value
from derived
inner join registry
    on
        derived.measure_id = registry.measure_id
        and derived.council_code = registry.council_code
where
    derived.geography_type = 'council'
    and case derived.period_type
        when 'month' then 1 when 'cabinet_cycle' then 2 when 'quarter' then 3 else 4
    end >= registry.frequency_rank
