-- Rule: every value in fct_measure_values belongs to a measure x council in dim_measures, and
-- numerators never exceed denominators for percentages. Threshold: zero rows.
select values.measure_id, values.council_code, values.period_start, 'no definition' as problem
from {{ ref('fct_measure_values') }} as values
left join {{ ref('dim_measures') }} as measures
    on values.measure_id = measures.measure_id and values.council_code = measures.council_code
where measures.measure_id is null
union all
select values.measure_id, values.council_code, values.period_start, 'numerator > denominator'
from {{ ref('fct_measure_values') }} as values
inner join {{ ref('dim_measures') }} as measures
    on values.measure_id = measures.measure_id and values.council_code = measures.council_code
where measures.unit = 'percent' and values.numerator > values.denominator
