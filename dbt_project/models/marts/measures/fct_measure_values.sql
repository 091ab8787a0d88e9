{{ config(contract={'enforced': true}) }}

with

demand as (
    select * from {{ ref('fct_demand') }}
),

failure_share as (
    select
        'ENA-FD-SHARE' as measure_id,
        council_code,
        period_month as period_start,
        cast(period_month + interval '1 month' - interval '1 day' as date) as period_end,
        sum(contacts) filter (where demand_type = 'failure') as numerator,
        sum(contacts) as denominator
    from demand
    group by council_code, period_month
)

select
    cast(measure_id as text) as measure_id,
    cast(council_code as text) as council_code,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast('council' as text) as geography_type,
    cast(council_code as text) as geography_code,
    cast(coalesce(numerator, 0) as numeric) as numerator,
    cast(denominator as numeric) as denominator,
    cast(round(100.0 * coalesce(numerator, 0) / nullif(denominator, 0), 4) as numeric) as value,
    cast('final' as text) as status,
    cast(now() as timestamptz) as loaded_at
from failure_share
