-- The measure values of the "home" purpose, for the purpose's lineage in the asset graph.
{{ config(meta={'dagster': {'group': 'purpose_home'}}) }}

select values.*
from {{ ref('fct_measure_values') }} as values
inner join {{ ref('dim_measures') }} as measures
    on values.measure_id = measures.measure_id and values.council_code = measures.council_code
where measures.purpose_code = 'home'
