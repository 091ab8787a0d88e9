{{ config(materialized='table') }}

-- Monthly values of the partner family (partner returns by ward) by council, ward, locality.
with

registry as (
    select * from {{ ref('stg_registry__measures') }}
    where input_method = 'derived' and calc_family = 'partner'
),

returns as (
    select
        returns.*,
        wards.locality
    from {{ ref('stg_partners__returns') }} as returns
    left join {{ ref('int_wards_located') }} as wards on returns.area_code = wards.ward_code
),

matched as (
    select
        registry.measure_id,
        returns.council_code,
        returns.period_month,
        returns.area_code as ward,
        returns.locality as locality_name,
        registry.calc_denominator_code is not null as has_denominator,
        case when returns.measure_code = registry.calc_measure_code then returns.value else 0 end
            as numerator_value,
        case
            when returns.measure_code = registry.calc_denominator_code then returns.value else 0
        end as denominator_value
    from registry
    inner join returns
        on
            registry.council_code = returns.council_code
            and returns.measure_code in (registry.calc_measure_code, registry.calc_denominator_code)
)

select
    measure_id,
    council_code,
    period_month as month_start,
    {{ geography_columns('council_code', 'ward', 'locality_name') }},
    sum(numerator_value) as numerator,
    case when has_denominator then sum(denominator_value) end as denominator,
    case when has_denominator then 'percent' else 'count' end as value_rule,
    false as denominator_is_stock
from matched
group by {{ grouping_sets_by_geography(
        ['measure_id', 'has_denominator', 'council_code', 'period_month'],
        'ward', 'locality_name'
    ) }}
having
    grouping(ward) = 1 and grouping(locality_name) = 1
    or coalesce(ward, locality_name) is not null
