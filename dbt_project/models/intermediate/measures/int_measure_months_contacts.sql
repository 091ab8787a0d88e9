{{ config(materialized='table') }}

-- Monthly numerators and denominators of the contact families (contact_share, contact_count,
-- address_match, demand_per_1000) by council, ward and locality, for each registry measure.
with

registry as (
    select * from {{ ref('stg_registry__measures') }}
    where
        input_method = 'derived'
        and calc_family in ('contact_share', 'contact_count', 'address_match', 'demand_per_1000')
),

demand as (
    select
        *,
        nullif(ward_code, 'unmatched') as ward,
        nullif(locality, 'unmatched') as locality_name
    from {{ ref('fct_demand') }}
),

matched as (
    select
        registry.measure_id,
        registry.calc_family,
        demand.council_code,
        demand.period_month,
        demand.ward,
        demand.locality_name,
        demand.contacts,
        case
            when registry.calc_family = 'address_match'
                then case when demand.is_address_matched then demand.contacts else 0 end
            when registry.calc_numerator = 'failure'
                then case when demand.demand_type = 'failure' then demand.contacts else 0 end
            when registry.calc_numerator = 'first_point' then demand.resolved_first_point
            when registry.calc_numerator = 'self_service' then demand.self_service_contacts
            else demand.contacts
        end as numerator_contacts
    from registry
    inner join demand
        on
            registry.council_code = demand.council_code
            and {{ in_list('demand.service', 'registry.calc_services') }}
            and {{ in_list('demand.channel', 'registry.calc_channels') }}
            and (
                registry.calc_demand_type is null
                or registry.calc_demand_type = demand.demand_type
            )
),

grouped as (
    select
        measure_id,
        calc_family,
        council_code,
        period_month as month_start,
        {{ geography_columns('council_code', 'ward', 'locality_name') }},
        sum(numerator_contacts) as numerator,
        sum(contacts) as denominator
    from matched
    group by {{ grouping_sets_by_geography(
        ['measure_id', 'calc_family', 'council_code', 'period_month'],
        'ward', 'locality_name'
    ) }}
),

population as (
    select * from {{ ref('int_population_years_filled') }}
)

select
    grouped.measure_id,
    grouped.council_code,
    grouped.month_start,
    grouped.geography_type,
    grouped.geography_code,
    grouped.numerator,
    case
        when grouped.calc_family = 'contact_count' then null
        when grouped.calc_family = 'demand_per_1000' then population.persons
        else grouped.denominator
    end as denominator,
    case
        when grouped.calc_family = 'contact_count' then 'count'
        when grouped.calc_family = 'demand_per_1000' then 'per_1000'
        else 'percent'
    end as value_rule,
    grouped.calc_family = 'demand_per_1000' as denominator_is_stock
from grouped
left join population
    on
        population.geography_type
        = case when grouped.geography_type = 'council' then 'lad' else grouped.geography_type end
        and grouped.geography_code = population.geography_code
        and extract(year from grouped.month_start) = population.year
where grouped.geography_code is not null
