{{ config(materialized='table') }}

-- Monthly numerators and denominators of the additive case families: case_within (share
-- completed within N net days, by completion month) and case_count of received or completed.
with

registry as (
    select * from {{ ref('stg_registry__measures') }}
    where
        input_method = 'derived'
        and (
            calc_family = 'case_within'
            or (calc_family = 'case_count' and calc_event in ('received', 'completed'))
        )
),

cases as (
    select * from {{ ref('fct_case_end_to_end') }}
),

matched as (
    select
        registry.measure_id,
        registry.calc_family,
        cases.council_code,
        case
            when registry.calc_event = 'received' then cases.received_month
            else cases.completed_month
        end as month_start,
        nullif(cases.ward_code, 'unmatched') as ward,
        nullif(cases.locality, 'unmatched') as locality_name,
        case
            when registry.calc_family = 'case_within'
                then case when cases.net_days <= registry.calc_days then 1 else 0 end
            else 1
        end as in_numerator
    from registry
    inner join cases
        on
            registry.council_code = cases.council_code
            and {{ in_list('cases.case_type', 'registry.calc_case_types') }}
    where registry.calc_event = 'received' or not cases.is_open
)

select
    measure_id,
    council_code,
    month_start,
    {{ geography_columns('council_code', 'ward', 'locality_name') }},
    sum(in_numerator) as numerator,
    case when calc_family = 'case_within' then count(*) end as denominator,
    case when calc_family = 'case_within' then 'percent' else 'count' end as value_rule,
    false as denominator_is_stock
from matched
group by {{ grouping_sets_by_geography(
        ['measure_id', 'calc_family', 'council_code', 'month_start'],
        'ward', 'locality_name'
    ) }}
having
    grouping(ward) = 1 and grouping(locality_name) = 1
    or coalesce(ward, locality_name) is not null
