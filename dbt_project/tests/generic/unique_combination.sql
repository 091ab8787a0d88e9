{% test unique_combination(model, columns) %}
-- Rows that share the same values in all the key columns (none expected).
select {{ columns | join(', ') }}, count(*) as rows_with_key
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
