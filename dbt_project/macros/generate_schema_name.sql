{% macro generate_schema_name(custom_schema_name, node) -%}
    {#- Schemas are the warehouse's fixed layers (staging, intermediate, marts), never prefixed. -#}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
