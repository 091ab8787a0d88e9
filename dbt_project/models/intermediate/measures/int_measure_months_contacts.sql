{{ config(materialized='table') }}

-- Monthly numerators and denominators of the contact families (contact_share, contact_count,
-- address_match, demand_per_1000) by council, ward and locality, for each registry measure:
-- the contacts counted (int_measure_months_contacts_counted) with each family's denominator.
with

counted as (
    select * from {{ ref('int_measure_months_contacts_counted') }}
),

population as (
    select * from {{ ref('int_population_years_filled') }}
)

select
    counted.measure_id,
    counted.council_code,
    counted.month_start,
    counted.geography_type,
    counted.geography_code,
    counted.numerator,
    case
        when counted.calc_family = 'contact_count' then null
        when counted.calc_family = 'demand_per_1000' then population.persons
        else counted.denominator
    end as denominator,
    case
        when counted.calc_family = 'contact_count' then 'count'
        when counted.calc_family = 'demand_per_1000' then 'per_1000'
        else 'percent'
    end as value_rule,
    counted.calc_family = 'demand_per_1000' as denominator_is_stock
from counted
left join population
    on
        population.geography_type
        = case when counted.geography_type = 'council' then 'lad' else counted.geography_type end
        and counted.geography_code = population.geography_code
        and extract(year from counted.month_start) = population.year
