{% test not_null_columns(model, columns) %}
-- Rows with a null in any of the columns (none expected): one scan for all of a model's
-- required columns instead of a test per column, each of which dbt runs as its own query.
select {{ columns | join(', ') }}
from {{ model }}
where {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}
{% endtest %}
