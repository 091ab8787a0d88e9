{{ config(materialized='table') }}

-- Monthly numerators and denominators of the cost families, council level. Budget variance is
-- signed pounds (actual less budget; negative is an underspend) with the budget as denominator
-- for context: a percentage unit would have to lie in 0-100, which an overspend does not.
with

registry as (
    select * from {{ ref('stg_registry__measures') }}
    where
        input_method = 'derived'
        and calc_family in (
            'cost_per_transaction', 'cost_of_failure', 'net_cost', 'budget_variance'
        )
),

cost as (
    select * from {{ ref('fct_cost_of_service') }}
),

grouped as (
    select
        registry.measure_id,
        registry.calc_family,
        cost.council_code,
        cost.period_month as month_start,
        sum(cost.actual) as actual,
        sum(cost.budget) as budget,
        sum(cost.net_cost) as net_cost,
        sum(cost.transactions) as transactions,
        sum(coalesce(cost.cost_of_failure_demand, 0)) as cost_of_failure_demand
    from registry
    inner join cost
        on
            registry.council_code = cost.council_code
            and {{ in_list('cost.service', 'registry.calc_services') }}
    group by registry.measure_id, registry.calc_family, cost.council_code, cost.period_month
)

select
    measure_id,
    council_code,
    month_start,
    'council' as geography_type,
    council_code as geography_code,
    false as denominator_is_stock,
    case calc_family
        when 'cost_per_transaction' then actual
        when 'cost_of_failure' then cost_of_failure_demand
        when 'net_cost' then net_cost
        else actual - budget
    end as numerator,
    case calc_family
        when 'cost_per_transaction' then transactions
        when 'budget_variance' then budget
    end as denominator,
    case calc_family
        when 'cost_per_transaction' then 'ratio'
        else 'count'
    end as value_rule
from grouped
