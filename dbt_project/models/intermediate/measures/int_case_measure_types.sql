{{ config(materialized='table') }}

-- One row per derived case measure and case type it counts (a measure without a list counts
-- every type in the data), so that cases meet their measures by equality. A table, not a CTE:
-- with its real row counts the planner hashes the cases against it; a CTE's estimate of one
-- row led it into nested loops over every case and period (docs/benchmarks.md).
with

measures as (
    select * from {{ ref('stg_registry__measures') }}
    where
        input_method = 'derived'
        and calc_family in ('case_time', 'case_count', 'case_within')
),

case_types as (
    select distinct
        council_code,
        case_type
    from {{ ref('fct_case_end_to_end') }}
)

select
    measures.measure_id,
    measures.council_code,
    measures.calc_family,
    measures.calc_statistic,
    measures.calc_event,
    measures.calc_days,
    case_types.case_type,
    measures.loaded_at
from measures
inner join case_types
    on
        measures.council_code = case_types.council_code
        and {{ in_list('case_types.case_type', 'measures.calc_case_types') }}
