-- Bromsgrove and its neighbours: each published measure for the six Worcestershire districts
-- side by side, exactly as published, with a rate per 1,000 residents or households where the
-- measure is a count, and each district's rank among those with a figure for the period. The
-- ONS statistical nearest neighbours outside Worcestershire are not in the reference snapshot:
-- dim_nearest_neighbours says which they are rather than inventing their figures.
with

-- polarity: which direction is better ('neutral' where neither is); ranks follow it, and
-- neutral measures rank the highest first.
comparisons (
    comparison_id, comparison_name, source_table, series, unit, rate_basis, polarity, sort_order
) as (
    values
    (
        'flytipping_incidents', 'Fly-tipping incidents', 'stats_flytipping',
        'flytipping_incidents_total', 'count', 'residents', 'lower', 1
    ),
    (
        'flytipping_enforcement_actions', 'Fly-tipping enforcement actions',
        'stats_flytipping', 'flytipping_enforcement_actions', 'count', 'residents', 'neutral', 2
    ),
    (
        'household_recycling_rate', 'Household waste reused, recycled or composted',
        'stats_recycling', 'household_waste_recycling_rate_pct', 'percent', null, 'higher', 3
    ),
    (
        'homelessness_prevention_duty',
        'Households threatened with homelessness (owed a prevention duty)',
        'stats_homelessness', 'owed_prevention_duty', 'count', 'households', 'neutral', 4
    ),
    (
        'homelessness_relief_duty', 'Households homeless (owed a relief duty)',
        'stats_homelessness', 'relief_duty_owed', 'count', 'households', 'neutral', 5
    ),
    (
        'temporary_accommodation', 'Households in temporary accommodation',
        'stats_homelessness', 'households_in_temporary_accommodation', 'count', 'households',
        'lower', 6
    ),
    (
        'deprivation_average_score', 'Index of Multiple Deprivation (average score)',
        'ref_lad_deprivation', 'imd_average_score', 'score', null, 'lower', 7
    ),
    (
        'population', 'Resident population', 'ref_population', 'all', 'count', null,
        'neutral', 8
    )
),

districts as (
    select distinct
        area_code,
        area_name
    from {{ ref('stg_reference__nearest_neighbours') }}
),

series as (
    select
        source_table,
        series,
        area_code,
        period_start,
        period_end,
        case
            when source_table = 'stats_homelessness'
                then
                    trim(to_char(period_start, 'Month')) || ' to '
                    || trim(to_char(period_end, 'Month')) || ' ' || to_char(period_end, 'YYYY')
            else to_char(period_start, 'YYYY') || '-' || to_char(period_end, 'YY')
        end as period_label,
        value
    from (
        select * from {{ ref('stg_stats__flytipping') }}
        union all
        select * from {{ ref('stg_stats__recycling') }}
        union all
        select * from {{ ref('stg_stats__homelessness') }}
    ) as published
    union all
    select
        'ref_lad_deprivation' as source_table,
        measure as series,
        lad_code as area_code,
        make_date(iod_year, 1, 1) as period_start,
        make_date(iod_year, 12, 31) as period_end,
        'Indices of Deprivation ' || iod_year as period_label,
        value
    from {{ ref('stg_reference__lad_deprivation') }}
    union all
    -- Mid-year estimates, and the Census 2021 count for 2021 (ref_population's 'all' rows).
    select
        'ref_population' as source_table,
        age_band as series,
        area_code,
        make_date(population_year, 6, 30) as period_start,
        make_date(population_year, 6, 30) as period_end,
        case
            when population_year = 2021 then 'Census 2021' else 'mid-' || population_year
        end as period_label,
        persons as value
    from {{ ref('stg_reference__population') }}
    where area_type = 'lad'
),

-- Households (thousands) H-CLIC divides by in the same quarter: the publisher's own base.
households as (
    select
        area_code,
        period_start,
        value * 1000 as households
    from {{ ref('stg_stats__homelessness') }}
    where series = 'households_in_area_thousands'
),

-- Residents: the ONS estimate for the period's year, else the nearest year in the snapshot,
-- as the published per-1,000 measures use (int_population_years_filled).
residents as (
    select
        geography_code as area_code,
        year,
        persons
    from {{ ref('int_population_years_filled') }}
    where geography_type = 'lad'
),

valued as (
    select
        comparisons.comparison_id,
        comparisons.comparison_name,
        comparisons.source_table,
        comparisons.unit,
        comparisons.polarity,
        comparisons.sort_order,
        series.period_start,
        series.period_end,
        series.period_label,
        series.area_code,
        districts.area_name,
        series.value,
        case comparisons.rate_basis
            when 'households' then households.households
            when 'residents' then residents.persons
        end as denominator,
        case comparisons.rate_basis
            when 'households' then 'per 1,000 households'
            when 'residents' then 'per 1,000 residents'
        end as rate_unit
    from comparisons
    inner join series
        on
            comparisons.source_table = series.source_table
            and comparisons.series = series.series
    inner join districts on series.area_code = districts.area_code
    left join households
        on
            comparisons.rate_basis = 'households'
            and series.area_code = households.area_code
            and series.period_start = households.period_start
    left join residents
        on
            comparisons.rate_basis = 'residents'
            and series.area_code = residents.area_code
            and extract(year from series.period_start) = residents.year
),

rated as (
    select
        *,
        round(1000.0 * value / nullif(denominator, 0), 2) as rate,
        case when rate_unit is null then value else 1000.0 * value / nullif(denominator, 0) end
            as ranked_value
    from valued
)

select
    comparison_id,
    comparison_name,
    source_table,
    unit,
    polarity,
    sort_order,
    period_start,
    period_end,
    period_label,
    area_code,
    area_name,
    value,
    rate,
    rate_unit,
    denominator,
    area_code in ('E07000234', 'E07000236') as is_platform_council,
    case
        when ranked_value is null then null
        when polarity = 'lower'
            then rank() over (
                partition by comparison_id, period_start, ranked_value is null
                order by ranked_value
            )
        else rank() over (
            partition by comparison_id, period_start, ranked_value is null
            order by ranked_value desc
        )
    end as rank_among_neighbours,
    count(ranked_value) over (partition by comparison_id, period_start) as districts_ranked,
    case when polarity = 'lower' then 'lowest first' else 'highest first' end as rank_order,
    period_start = max(period_start) over (partition by comparison_id) as is_latest_period
from rated
