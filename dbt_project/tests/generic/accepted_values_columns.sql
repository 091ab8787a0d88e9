{% test accepted_values_columns(model, values) %}
-- Values outside each column's accepted list (none expected; nulls are not_null's business):
-- one scan for all of a model's coded columns instead of a test, and a query, per column.
{% for column, accepted in values.items() %}
select '{{ column }}' as column_name, cast({{ column }} as text) as value_found
from {{ model }}
where cast({{ column }} as text) not in ('{{ accepted | join("', '") }}')
{% if not loop.last %}union all{% endif %}
{% endfor %}
{% endtest %}
