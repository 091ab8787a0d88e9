{% macro analyze_built_table() -%}
    {#- ANALYZE a model just built as a table (views have no statistics of their own). -#}
    {%- if model.config.materialized in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
