{{ config(materialized='table') }}

-- Resident population (all ages) by council, ward and locality for every year 2012-2030: the
-- latest estimate on or before the year, else the earliest. Wards come from ward rows when the
-- source has them, else from LSOAs placed in wards through the gazetteer.
with

-- The 'all' row where published, else the sum of the age bands (the demo's stand-in has no total).
population as (
    select
        area_type,
        area_code,
        population_year,
        coalesce(
            max(persons) filter (where age_band = 'all'),
            sum(persons) filter (where age_band <> 'all')
        ) as persons
    from {{ ref('stg_reference__population') }}
    group by area_type, area_code, population_year
),

lsoa_wards as (
    select distinct
        lsoa_code,
        ward_code
    from {{ ref('int_addresses_located') }}
),

ward_rows as (
    select
        'ward' as geography_type,
        area_code as geography_code,
        population_year,
        persons
    from population
    where area_type = 'ward'
),

wards_from_lsoas as (
    select
        'ward' as geography_type,
        lsoa_wards.ward_code as geography_code,
        population.population_year,
        sum(population.persons) as persons
    from population
    inner join lsoa_wards on population.area_code = lsoa_wards.lsoa_code
    where
        population.area_type in ('lsoa11', 'lsoa21')
        and not exists (select 1 from ward_rows)
    group by lsoa_wards.ward_code, population.population_year
),

wards as (
    select * from ward_rows
    union all
    select * from wards_from_lsoas
),

localities as (
    select
        'locality' as geography_type,
        located.locality as geography_code,
        wards.population_year,
        sum(wards.persons) as persons
    from wards
    inner join {{ ref('int_wards_located') }} as located on wards.geography_code = located.ward_code
    group by located.locality, wards.population_year
),

areas as (
    select
        'lad' as geography_type,
        area_code as geography_code,
        population_year,
        persons
    from population
    where area_type = 'lad'
    union all
    select * from wards
    union all
    select * from localities
),

years as (
    select generate_series(2012, 2030) as year
),

filled as (
    select
        codes.geography_type,
        codes.geography_code,
        years.year,
        coalesce(
            (
                select areas.persons from areas
                where
                    areas.geography_type = codes.geography_type
                    and areas.geography_code = codes.geography_code
                    and areas.population_year <= years.year
                order by areas.population_year desc limit 1
            ),
            (
                select areas.persons from areas
                where
                    areas.geography_type = codes.geography_type
                    and areas.geography_code = codes.geography_code
                order by areas.population_year limit 1
            )
        ) as persons
    from (select distinct
        geography_type,
        geography_code
    from areas) as codes
    cross join years
)

select * from filled
