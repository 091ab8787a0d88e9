{{
    config(
        materialized='incremental',
        incremental_strategy='rebuilt_periods',
        rebuilt_column='period_end',
        on_schema_change='append_new_columns'
    )
}}

-- The case families that do not add up over months, computed for each period directly:
-- end-to-end statistics (median, 85th percentile, mean of net days of cases completed in the
-- period; denominator = cases completed) and work in progress (cases open at period end).
-- Incremental: a build recomputes, for each council whose cases changed, every period ending
-- on or after the month from which they can differ (`rebuilt`); docs/measures.md.
with

-- Not materialized: read as the table it is, with its statistics (a materialized CTE's row
-- estimate of one led the planner into nested loops over every case and period).
registry as not materialized (
    select * from {{ ref('int_case_measure_types') }}
    where calc_family = 'case_time' or (calc_family = 'case_count' and calc_event = 'open')
),

cases as (
    select
        council_code,
        case_type,
        received_date,
        completed_date,
        is_open,
        net_days,
        received_month,
        completed_month,
        nullif(ward_code, 'unmatched') as ward,
        nullif(locality, 'unmatched') as locality_name,
        -- A case changes when its case or pause file is (re)loaded or the gazetteer moves it.
        greatest(loaded_at, gazetteer_loaded_at) as changed_at
    from {{ ref('fct_case_end_to_end') }}
),

-- Cases changed since the last build move figures only for periods ending on or after their
-- receipt month; work in progress counts up to the last day of data, which can move only after
-- the council's latest unchanged receipt.
{{ rebuilt_councils('cases', 'received_month', 'registry', 'received_date') }},

months_in_periods as (
    select * from {{ ref('int_periods_mapped') }}
),

periods as (
    select distinct
        period_type,
        period_start,
        period_end
    from months_in_periods
),

-- The earliest completion a rebuilt period can hold: the start of the longest period (a
-- financial year) ending on or after the council's rebuilt_from. Joined first, it keeps the
-- cases completed earlier out of the period and measure joins of a new month's build.
rebuilt_reach as (
    select
        rebuilt.council_code,
        min(periods.period_start) as completed_from
    from rebuilt
    inner join periods on rebuilt.rebuilt_from <= periods.period_end
    group by rebuilt.council_code
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

-- Materialized, so the completion bound applies before the measures join: joined together,
-- the planner paired every case with its measures first and dropped most pairs after (3.7 M
-- pairs made, 3.1 M dropped at scale 10).
completed_in_reach as materialized (
    select
        cases.council_code,
        cases.case_type,
        cases.completed_month,
        cases.ward,
        cases.locality_name,
        cases.net_days
    from cases
    inner join rebuilt_reach
        on
            cases.council_code = rebuilt_reach.council_code
            and cases.completed_month >= rebuilt_reach.completed_from
    where not cases.is_open
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
    from completed_in_reach as cases
    inner join registry
        on
            cases.council_code = registry.council_code
            and cases.case_type = registry.case_type
    -- Each completion month maps to its month, cycle, quarter and year (an equi-join).
    inner join months_in_periods as periods on cases.completed_month = periods.month_start
    inner join data_span
        on
            cases.council_code = data_span.council_code
            and periods.period_end < data_span.data_ends
    inner join rebuilt
        on
            cases.council_code = rebuilt.council_code
            and periods.period_end >= rebuilt.rebuilt_from
    where registry.calc_family = 'case_time'
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

-- The periods whose work in progress this build computes, per council: ended in the data,
-- and rebuilt. Few in a new month's build, so the range join below stays small; materialized,
-- or the planner joined every period to every change first and filtered after (5.8 M pairs
-- at scale 1).
wip_periods as materialized (
    select
        data_span.council_code,
        periods.period_type,
        periods.period_start,
        periods.period_end
    from data_span
    inner join rebuilt on data_span.council_code = rebuilt.council_code
    inner join periods
        on
            data_span.first_day <= periods.period_end
            and data_span.data_ends > periods.period_end
            and rebuilt.rebuilt_from <= periods.period_end
),

-- The first month a period of this build ends in, per council. A case received and completed
-- (within the data) before it adds one and takes one away before every such end, so it moves
-- no figure here: a new month's build sums the changes of its open and recent cases only.
wip_reach as (
    select
        council_code,
        cast(date_trunc('month', min(period_end)) as date) as counted_from
    from wip_periods
    group by council_code
),

-- Work in progress without a cases x periods join: each case adds one in the month it is
-- received and takes one away in the month it is completed, both up to the last day of data;
-- the cases open at a period's end are the sum of the changes up to that month. A period that
-- ends after the last receipt counts cases as at the last day of data.
case_changes as (
    select
        cases.council_code,
        cases.case_type,
        cases.ward,
        cases.locality_name,
        cast(date_trunc('month', change.event_date) as date) as change_month,
        sum(change.delta) as delta
    from cases
    inner join data_span on cases.council_code = data_span.council_code
    inner join wip_reach on cases.council_code = wip_reach.council_code
    cross join
        lateral (
            values (cases.received_date, 1), (cases.completed_date, -1)
        ) as change (event_date, delta)
    where
        change.event_date <= data_span.last_day
        and (
            cases.completed_date is null
            or cases.completed_date > data_span.last_day
            or greatest(cases.received_date, cases.completed_date) >= wip_reach.counted_from
        )
    group by
        cases.council_code,
        cases.case_type,
        cases.ward,
        cases.locality_name,
        cast(date_trunc('month', change.event_date) as date)
),

wip_changes as (
    select
        registry.measure_id,
        case_changes.council_code,
        case_changes.ward,
        case_changes.locality_name,
        case_changes.change_month,
        sum(case_changes.delta) as delta
    from registry
    inner join case_changes
        on
            registry.council_code = case_changes.council_code
            and registry.case_type = case_changes.case_type
    where registry.calc_family = 'case_count'
    group by
        registry.measure_id,
        case_changes.council_code,
        case_changes.ward,
        case_changes.locality_name,
        case_changes.change_month
),

open_at_end as (
    select
        wip_changes.measure_id,
        wip_changes.council_code,
        wip_periods.period_type,
        wip_periods.period_start,
        wip_periods.period_end,
        wip_changes.ward,
        wip_changes.locality_name,
        sum(wip_changes.delta) as open_cases
    from wip_changes
    inner join wip_periods
        on
            wip_changes.council_code = wip_periods.council_code
            and wip_changes.change_month <= wip_periods.period_end
    group by
        wip_changes.measure_id,
        wip_changes.council_code,
        wip_periods.period_type,
        wip_periods.period_start,
        wip_periods.period_end,
        wip_changes.ward,
        wip_changes.locality_name
),

work_in_progress as (
    select
        measure_id,
        council_code,
        period_type,
        period_start,
        period_end,
        {{ geography_columns('council_code', 'ward', 'locality_name') }},
        cast(sum(open_cases) as numeric) as numerator,
        cast(null as numeric) as denominator,
        cast(sum(open_cases) as numeric) as value
    from open_at_end
    group by {{ grouping_sets_by_geography(
        ['measure_id', 'council_code', 'period_type', 'period_start', 'period_end'],
        'ward', 'locality_name'
    ) }}
    having
        sum(open_cases) > 0
        and (
            grouping(ward) = 1 and grouping(locality_name) = 1
            or coalesce(ward, locality_name) is not null
        )
),

computed as (
    select * from statistics
    union all
    select * from work_in_progress
)

select
    computed.*,
    rebuilt.rebuilt_from,
    inputs_loaded.inputs_loaded_at
from computed
inner join rebuilt on computed.council_code = rebuilt.council_code
cross join inputs_loaded
