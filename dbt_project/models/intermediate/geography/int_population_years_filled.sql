{{ config(materialized='table') }}

-- Resident population (all ages) by council, ward and locality for every year 2012-2030: the
-- latest estimate on or before the year, else the earliest (carried forward and back). Wards
-- come from ward rows when the source has them, else from LSOAs placed in wards through the
-- gazetteer, 2011 LSOAs bridged to the 2021 LSOAs the gazetteer uses.
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

lsoa_addresses as (
    select
        lsoa_code,
        ward_code,
        count(*) as addresses
    from {{ ref('int_addresses_located') }}
    where lsoa_code is not null
    group by lsoa_code, ward_code
),

lsoa_address_totals as (
    select
        lsoa_code,
        sum(addresses) as addresses
    from lsoa_addresses
    group by lsoa_code
),

lsoa_populations as (
    select
        area_code as lsoa_code,
        population_year,
        persons
    from population
    where area_type in ('lsoa11', 'lsoa21')
),

-- An estimate for an LSOA the gazetteer does not use (a 2011 LSOA split, merged or redrawn in
-- 2021) is shared among the 2021 LSOAs it became, in proportion to their gazetteer addresses
-- (equally when none has any); a merged LSOA sums its parts. Unchanged codes match directly.
bridge as (
    select
        lookup.lsoa11_code,
        lookup.lsoa21_code,
        coalesce(
            1.0 * pieces.addresses / nullif(sum(pieces.addresses) over (
                partition by lookup.lsoa11_code
            ), 0),
            1.0 / count(*) over (partition by lookup.lsoa11_code)
        ) as share
    from {{ ref('stg_reference__lsoa11_lsoa21') }} as lookup
    left join lsoa_address_totals as pieces on lookup.lsoa21_code = pieces.lsoa_code
),

lsoas_placed as (
    select
        lsoa_code,
        population_year,
        persons
    from lsoa_populations
    where lsoa_code in (select placed.lsoa_code from lsoa_addresses as placed)
    union all
    select
        bridge.lsoa21_code as lsoa_code,
        lsoa_populations.population_year,
        lsoa_populations.persons * bridge.share as persons
    from lsoa_populations
    inner join bridge on lsoa_populations.lsoa_code = bridge.lsoa11_code
    where lsoa_populations.lsoa_code not in (select placed.lsoa_code from lsoa_addresses as placed)
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

-- An LSOA whose addresses lie in more than one ward is counted once, in the ward holding most
-- of them (ONS best fit).
lsoa_wards as (
    select distinct on (lsoa_code)
        lsoa_code,
        ward_code
    from lsoa_addresses
    order by lsoa_code asc, addresses desc, ward_code asc
),

wards_from_lsoas as (
    select
        'ward' as geography_type,
        lsoa_wards.ward_code as geography_code,
        lsoas_placed.population_year,
        round(sum(lsoas_placed.persons)) as persons
    from lsoas_placed
    inner join lsoa_wards on lsoas_placed.lsoa_code = lsoa_wards.lsoa_code
    where not exists (select 1 from ward_rows)
    group by lsoa_wards.ward_code, lsoas_placed.population_year
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
