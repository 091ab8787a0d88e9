{% macro source_or_empty(source_name, table_name, columns) -%}
    {#- Select from a raw table that is only loaded in some set-ups; when it does not exist,
        an empty row set with the given {column: type} columns instead of a failing model. -#}
    {%- set relation = source(source_name, table_name) -%}
    {%- set exists = execute and adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier
    ) is not none -%}
    {%- if exists -%}
        select * from {{ relation }}
    {%- else -%}
        select
        {%- for name, type in columns.items() %}
            cast(null as {{ type }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
        where false
    {%- endif -%}
{%- endmacro %}
