-- Ward profile: population, deprivation (the ward's LSOAs' average IMD score and most
-- deprived decile, latest edition) and demand per 1,000 residents over the last 12 months.
with

wards as (
    select * from {{ ref('int_wards_located') }}
),

population as (
    select
        geography_code as ward_code,
        persons
    from {{ ref('int_population_years_filled') }}
    where geography_type = 'ward' and year = extract(year from current_date)
),

lsoas as (
    select distinct
        lsoa_code,
        ward_code
    from {{ ref('int_addresses_located') }}
),

deprivation as (
    select
        lsoas.ward_code,
        round(avg(iod.imd_score), 3) as imd_average_score,
        min(iod.imd_decile) as imd_most_deprived_decile,
        count(*) as lsoas_with_deprivation
    from lsoas
    inner join {{ ref('stg_reference__deprivation') }} as iod on lsoas.lsoa_code = iod.lsoa_code
    where
        iod.iod_year
        = (select max(editions.iod_year) from {{ ref('stg_reference__deprivation') }} as editions)
    group by lsoas.ward_code
),

demand as (
    select
        months.ward_code,
        sum(months.contacts) as contacts_last_12_months,
        sum(months.contacts) filter (where months.demand_type = 'failure')
            as failure_contacts_last_12_months
    from {{ ref('fct_demand') }} as months
    where
        months.period_month
        > (select max(latest.period_month) from {{ ref('fct_demand') }} as latest)
        - interval '12 months'
    group by months.ward_code
)

select
    wards.council_code,
    wards.ward_code,
    wards.ward_name,
    wards.locality,
    population.persons as population,
    deprivation.imd_average_score,
    deprivation.imd_most_deprived_decile,
    coalesce(demand.contacts_last_12_months, 0) as contacts_last_12_months,
    round(1000.0 * demand.contacts_last_12_months / nullif(population.persons, 0), 2)
        as contacts_per_1000_residents,
    round(
        100.0 * demand.failure_contacts_last_12_months / nullif(demand.contacts_last_12_months, 0),
        2
    ) as failure_demand_pct
from wards
left join population on wards.ward_code = population.ward_code
left join deprivation on wards.ward_code = deprivation.ward_code
left join demand on wards.ward_code = demand.ward_code
