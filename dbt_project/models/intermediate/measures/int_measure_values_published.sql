-- Published statistics as measure values at their own periods: the council's own figure
-- (geography council) and every other district's as a comparator (geography lad). With
-- per_population the value is per 1,000 residents (ONS estimate for the period's year).
with

registry as (
    select * from {{ ref('stg_registry__measures') }}
    where input_method = 'derived' and calc_family = 'published'
),

series as (
    select * from {{ ref('stg_stats__homelessness') }}
    union all
    select * from {{ ref('stg_stats__flytipping') }}
    union all
    select * from {{ ref('stg_stats__recycling') }}
),

population as (
    select * from {{ ref('int_population_years_filled') }}
    where geography_type = 'lad'
),

matched as (
    select
        registry.measure_id,
        registry.council_code,
        registry.frequency_period_type as period_type,
        numerators.period_start,
        numerators.period_end,
        numerators.area_code as geography_code,
        numerators.value as numerator,
        case when numerators.area_code = registry.council_code then 'council' else 'lad' end
            as geography_type,
        case
            when registry.calc_per_population then population.persons
            else denominators.value
        end as denominator,
        case
            when registry.calc_per_population then 'per_1000'
            when registry.calc_denominator_series is not null then 'percent'
            else 'count'
        end as value_rule
    from registry
    inner join series as numerators
        on
            registry.calc_table = numerators.source_table
            and registry.calc_series = numerators.series
    left join series as denominators
        on
            registry.calc_table = denominators.source_table
            and registry.calc_denominator_series = denominators.series
            and numerators.area_code = denominators.area_code
            and numerators.period_start = denominators.period_start
    left join population
        on
            numerators.area_code = population.geography_code
            and extract(year from numerators.period_start) = population.year
    -- Districts only: the county (waste disposal authority) is not a like-for-like comparator.
    where
        numerators.area_code like 'E07%'
        and (numerators.area_code = registry.council_code or registry.comparators)
)

select
    measure_id,
    council_code,
    period_type,
    period_start,
    period_end,
    geography_type,
    geography_code,
    numerator,
    denominator,
    case
        when value_rule = 'count' then numerator
        else {{ measure_value('value_rule', 'numerator', 'denominator') }}
    end as value
from matched
where value_rule = 'count' or denominator is not null
