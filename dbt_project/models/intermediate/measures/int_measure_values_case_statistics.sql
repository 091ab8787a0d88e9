{{ config(materialized='table') }}

-- The case families that do not add up over months, computed for each period directly:
-- end-to-end statistics (median, 85th percentile, mean of net days of cases completed in the
-- period; denominator = cases completed) and work in progress (cases open at period end).
with

registry as (
    select * from {{ ref('stg_registry__measures') }}
    where
        input_method = 'derived'
        and (calc_family = 'case_time' or (calc_family = 'case_count' and calc_event = 'open'))
),

cases as (
    select
        *,
        nullif(ward_code, 'unmatched') as ward,
        nullif(locality, 'unmatched') as locality_name
    from {{ ref('fct_case_end_to_end') }}
),

periods as (
    select distinct
        period_type,
        period_start,
        period_end
    from {{ ref('int_periods_mapped') }}
),

data_span as (
    select
        council_code,
        -- A period is reported only once it has ended in the data: no partial quarters.
        cast(
            date_trunc('month', max(greatest(received_date, completed_date))) + interval '1 month'
            as date
        ) as data_ends,
        min(received_date) as first_day,
        max(received_date) as last_day
    from cases
    group by council_code
),

completed as (
    select
        registry.measure_id,
        registry.calc_statistic,
        cases.council_code,
        periods.period_type,
        periods.period_start,
        periods.period_end,
        cases.ward,
        cases.locality_name,
        cases.net_days
    from registry
    inner join cases
        on
            registry.council_code = cases.council_code
            and {{ in_list('cases.case_type', 'registry.calc_case_types') }}
    inner join periods on cases.completed_date between periods.period_start and periods.period_end
    inner join data_span
        on
            cases.council_code = data_span.council_code
            and periods.period_end < data_span.data_ends
    where registry.calc_family = 'case_time' and not cases.is_open
),

statistics as (
    select
        measure_id,
        council_code,
        period_type,
        period_start,
        period_end,
        {{ geography_columns('council_code', 'ward', 'locality_name') }},
        cast(null as numeric) as numerator,
        count(*) as denominator,
        round(
            cast(
                case min(calc_statistic)
                    when 'median' then percentile_cont(0.5) within group (order by net_days)
                    when 'p85' then percentile_cont(0.85) within group (order by net_days)
                    else avg(net_days)
                end as numeric
            ),
            4
        ) as value
    from completed
    group by {{ grouping_sets_by_geography(
        ['measure_id', 'council_code', 'period_type', 'period_start', 'period_end'],
        'ward', 'locality_name'
    ) }}
    having
        grouping(ward) = 1 and grouping(locality_name) = 1
        or coalesce(ward, locality_name) is not null
),

open_at_end as (
    select
        registry.measure_id,
        cases.council_code,
        periods.period_type,
        periods.period_start,
        periods.period_end,
        cases.ward,
        cases.locality_name
    from registry
    inner join data_span on registry.council_code = data_span.council_code
    inner join periods
        on
            data_span.first_day <= periods.period_end
            and data_span.data_ends > periods.period_end
    inner join cases
        on
            registry.council_code = cases.council_code
            and {{ in_list('cases.case_type', 'registry.calc_case_types') }}
            and cases.received_date <= least(periods.period_end, data_span.last_day)
            and (
                cases.completed_date is null
                or cases.completed_date > least(periods.period_end, data_span.last_day)
            )
    where registry.calc_family = 'case_count'
),

work_in_progress as (
    select
        measure_id,
        council_code,
        period_type,
        period_start,
        period_end,
        {{ geography_columns('council_code', 'ward', 'locality_name') }},
        cast(count(*) as numeric) as numerator,
        cast(null as numeric) as denominator,
        cast(count(*) as numeric) as value
    from open_at_end
    group by {{ grouping_sets_by_geography(
        ['measure_id', 'council_code', 'period_type', 'period_start', 'period_end'],
        'ward', 'locality_name'
    ) }}
    having
        grouping(ward) = 1 and grouping(locality_name) = 1
        or coalesce(ward, locality_name) is not null
)

select * from statistics
union all
select * from work_in_progress
