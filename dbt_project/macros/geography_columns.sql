{% macro geography_columns(council_column, ward_column, locality_column) -%}
    {#- geography_type and geography_code of a row grouped by grouping_sets_by_geography. -#}
    case
        when grouping({{ ward_column }}) = 0 then 'ward'
        when grouping({{ locality_column }}) = 0 then 'locality'
        else 'council'
    end as geography_type,
    case
        when grouping({{ ward_column }}) = 0 then {{ ward_column }}
        when grouping({{ locality_column }}) = 0 then {{ locality_column }}
        else {{ council_column }}
    end as geography_code
{%- endmacro %}

{% macro grouping_sets_by_geography(keys, ward_column, locality_column) -%}
    {#- One group per council, per ward and per locality, for the given key columns. -#}
    grouping sets (
        ({{ keys | join(', ') }}),
        ({{ keys | join(', ') }}, {{ ward_column }}),
        ({{ keys | join(', ') }}, {{ locality_column }})
    )
{%- endmacro %}

{% macro in_list(column, csv_column) -%}
    {#- True when the registry's comma-separated list is empty (all) or holds the column's value. -#}
    ({{ csv_column }} is null or {{ column }} = any(string_to_array({{ csv_column }}, ',')))
{%- endmacro %}
