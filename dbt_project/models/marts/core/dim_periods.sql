-- Every reporting period from April 2012 to March 2031: months, Cabinet cycles (two months),
-- financial quarters (Q1 = April to June) and financial years (April to March).
with

periods as (
    select distinct period_type, period_start, period_end, months_in_period
    from {{ ref('int_periods_mapped') }}
),

labelled as (
    select
        *,
        extract(year from period_start - interval '3 months')::integer as fy_start_year
    from periods
)

select
    cast(period_type as text) as period_type,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(months_in_period as integer) as months_in_period,
    cast(fy_start_year || '-' || lpad(((fy_start_year + 1) % 100)::text, 2, '0') as text)
        as financial_year,
    cast(
        case period_type
            when 'month' then to_char(period_start, 'FMMonth YYYY')
            when 'quarter'
                then fy_start_year || '-' || lpad(((fy_start_year + 1) % 100)::text, 2, '0')
                || ' Q' || (((extract(month from period_start)::integer + 8) % 12) / 3 + 1)
            when 'cabinet_cycle'
                then to_char(period_start, 'FMMon') || '-' || to_char(period_end, 'FMMon YYYY')
            else fy_start_year || '-' || lpad(((fy_start_year + 1) % 100)::text, 2, '0')
        end as text
    ) as label
from labelled
