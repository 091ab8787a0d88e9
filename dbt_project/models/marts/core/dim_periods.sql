-- Every reporting period from April 2012 to March 2031: months, Cabinet cycles (two months),
-- financial quarters (Q1 = April to June) and financial years (April to March).
with

periods as (
    select distinct
        period_type,
        period_start,
        period_end,
        months_in_period
    from {{ ref('int_periods_mapped') }}
),

labelled as (
    select
        *,
        extract(year from period_start - interval '3 months')::integer as fy_start_year
    from periods
)

select
    period_type::text as period_type,
    period_start::date as period_start,
    period_end::date as period_end,
    months_in_period::integer as months_in_period,
    (fy_start_year || '-' || lpad(((fy_start_year + 1) % 100)::text, 2, '0'))::text
        as financial_year,
    (case period_type
        when 'month' then to_char(period_start, 'FMMonth YYYY')
        when 'quarter'
            then
                fy_start_year || '-' || lpad(((fy_start_year + 1) % 100)::text, 2, '0')
                || ' Q' || (((extract(month from period_start)::integer + 8) % 12) / 3 + 1)
        when 'cabinet_cycle'
            then to_char(period_start, 'FMMon') || '-' || to_char(period_end, 'FMMon YYYY')
        else fy_start_year || '-' || lpad(((fy_start_year + 1) % 100)::text, 2, '0')
    end)::text as label
from labelled
