{{ config(materialized='table') }}

-- Monthly numerators and denominators of the workforce family (HR and enabling returns).
with

registry as (
    select * from {{ ref('stg_registry__measures') }}
    where input_method = 'derived' and calc_family = 'workforce'
),

hr as (
    select * from {{ ref('stg_hr__team_months') }}
),

grouped as (
    select
        registry.measure_id,
        registry.calc_metric,
        hr.council_code,
        hr.period_month as month_start,
        sum(hr.fte) as fte,
        sum(hr.sickness_days) as sickness_days,
        sum(hr.foi_requests) as foi_requests,
        sum(hr.foi_in_time) as foi_in_time,
        sum(hr.complaints) as complaints,
        sum(hr.complaints_upheld) as complaints_upheld,
        sum(hr.complaints_in_time) as complaints_in_time
    from registry
    inner join hr
        on
            registry.council_code = hr.council_code
            and {{ in_list('hr.team', 'registry.calc_teams') }}
    group by registry.measure_id, registry.calc_metric, hr.council_code, hr.period_month
)

select
    measure_id,
    council_code,
    month_start,
    'council' as geography_type,
    council_code as geography_code,
    case calc_metric
        when 'sickness_per_fte' then sickness_days
        when 'foi_in_time' then foi_in_time
        when 'complaints_in_time' then complaints_in_time
        when 'complaints_upheld' then complaints_upheld
        else complaints
    end as numerator,
    case calc_metric
        when 'sickness_per_fte' then fte
        when 'foi_in_time' then foi_requests
        when 'complaints' then null
        else complaints
    end as denominator,
    case calc_metric
        when 'sickness_per_fte' then 'ratio'
        when 'complaints' then 'count'
        else 'percent'
    end as value_rule,
    calc_metric = 'sickness_per_fte' as denominator_is_stock
from grouped
