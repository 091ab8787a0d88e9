-- Values officers entered for manual measures (submitted or confirmed) at the measure's own
-- frequency.
with

registry as (
    select * from {{ ref('stg_registry__measures') }}
    where input_method = 'manual'
),

entered as (
    select * from {{ ref('stg_input__manual_values') }}
    where status in ('submitted', 'confirmed')
)

select
    entered.measure_id,
    entered.council_code,
    registry.frequency_period_type as period_type,
    entered.period_start,
    entered.period_end,
    'council' as geography_type,
    entered.council_code as geography_code,
    entered.numerator,
    entered.denominator,
    entered.value,
    entered.updated_at as loaded_at,
    case when entered.status = 'confirmed' then 'final' else 'provisional' end as status
from entered
inner join registry
    on entered.measure_id = registry.measure_id and entered.council_code = registry.council_code
