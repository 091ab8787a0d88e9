-- Rule: totals in the marts equal the raw totals they come from, per council, exactly
-- (threshold 0): contacts in fct_demand and in the ena_contacts_total measure, cases in
-- fct_case_end_to_end, spend in fct_cost_of_service, complaints in ena_complaints_received.
with

raw_totals as (
    select council_code, 'contacts' as total, count(*)::numeric as raw_value
    from {{ source('raw', 'crm_contacts') }} group by council_code
    union all
    select council_code, 'cases', count(*)::numeric
    from {{ source('raw_cases', 'service_cases') }} group by council_code
    union all
    select council_code, 'spend', sum(actual)
    from {{ source('raw_finance', 'finance_ledger') }} group by council_code
    union all
    select council_code, 'complaints', sum(complaints)::numeric
    from {{ source('raw_hr', 'hr_enabling') }} group by council_code
),

mart_totals as (
    select council_code, 'contacts' as total, sum(contacts)::numeric as mart_value
    from {{ ref('fct_demand') }} group by council_code
    union all
    select council_code, 'cases', count(*)::numeric
    from {{ ref('fct_case_end_to_end') }} group by council_code
    union all
    select council_code, 'spend', sum(actual)
    from {{ ref('fct_cost_of_service') }} group by council_code
    union all
    select council_code, 'contacts_measure', sum(value)
    from {{ ref('fct_measure_values') }}
    where measure_id = 'ena_contacts_total' and geography_type = 'council'
    group by council_code
    union all
    select council_code, 'complaints', sum(value)
    from {{ ref('fct_measure_values') }}
    where measure_id = 'ena_complaints_received' and geography_type = 'council'
    group by council_code
)

select raw_totals.*, mart_totals.total as mart_total, mart_totals.mart_value
from raw_totals
full outer join mart_totals
    on
        raw_totals.council_code = mart_totals.council_code
        and (
            raw_totals.total = mart_totals.total
            or (raw_totals.total = 'contacts' and mart_totals.total = 'contacts_measure')
        )
where raw_totals.raw_value is distinct from mart_totals.mart_value
