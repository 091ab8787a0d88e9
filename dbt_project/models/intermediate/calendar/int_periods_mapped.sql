{{ config(materialized='table') }}

-- Every month from April 2012 to March 2031 mapped to the periods that contain it: the month,
-- the financial quarter and year (April to March) and the bi-monthly Cabinet cycle.
with

months as (
    select cast(month_start as date) as month_start
    from generate_series(date '2012-04-01', date '2031-03-01', interval '1 month') as month_start
),

dated as (
    select
        month_start,
        cast(month_start - interval '3 months' as date) as shifted,
        cast(extract(year from month_start - interval '3 months') as integer) as fy_start_year
    from months
),

periods as (
    select
        month_start,
        'month' as period_type,
        month_start as period_start,
        cast(month_start + interval '1 month' - interval '1 day' as date) as period_end
    from dated
    union all
    select
        month_start,
        'quarter' as period_type,
        cast(date_trunc('quarter', shifted) + interval '3 months' as date) as period_start,
        cast(
            date_trunc('quarter', shifted) + interval '6 months' - interval '1 day' as date
        ) as period_end
    from dated
    union all
    select
        month_start,
        'financial_year' as period_type,
        make_date(fy_start_year, 4, 1) as period_start,
        make_date(fy_start_year + 1, 3, 31) as period_end
    from dated
    union all
    -- Cabinet meets every two months: April-May, June-July, ..., February-March.
    select
        month_start,
        'cabinet_cycle' as period_type,
        cast(
            make_date(fy_start_year, 4, 1)
            + ((cast(extract(month from shifted) as integer) - 1) / 2 * 2) * interval '1 month'
            as date
        ) as period_start,
        cast(
            make_date(fy_start_year, 4, 1)
            + ((cast(extract(month from shifted) as integer) - 1) / 2 * 2 + 2)
            * interval '1 month'
            - interval '1 day' as date
        ) as period_end
    from dated
)

select
    month_start,
    period_type,
    period_start,
    period_end,
    cast((
        extract(year from age(period_end + 1, period_start)) * 12
        + extract(month from age(period_end + 1, period_start))
    ) as integer) as months_in_period
from periods
