-- Rule: every derived measure value traces to at least one loaded source batch (besides the
-- registry's) in fct_measure_lineage. Threshold: no value without one.
with

traced as (
    select distinct measure_id, council_code, period_start
    from {{ ref('fct_measure_lineage') }}
    where source <> 'measure_registry' and batch_id is not null
)

select values.measure_id, values.council_code, values.period_start
from {{ ref('fct_measure_values') }} as values
inner join {{ ref('dim_measures') }} as measures
    on values.measure_id = measures.measure_id and values.council_code = measures.council_code
left join traced
    on
        values.measure_id = traced.measure_id
        and values.council_code = traced.council_code
        and values.period_start = traced.period_start
where measures.input_method = 'derived' and traced.measure_id is null
