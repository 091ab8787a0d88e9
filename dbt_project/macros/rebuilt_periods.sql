{% macro get_incremental_rebuilt_periods_sql(arg_dict) -%}
    {#- The incremental strategy `rebuilt_periods`: the model returns, for each council it
        rebuilt, every row from a date on (column `rebuilt_from`); the table's rows of that
        council from that date on (by the column named in the model's `rebuilt_column` config)
        are replaced by them, in the same transaction. Rows of other councils and of earlier
        periods stay as they are. -#}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set rebuilt = arg_dict['temp_relation'] -%}
    {%- set column = config.require('rebuilt_column') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }} as built
    using (select distinct council_code, rebuilt_from from {{ rebuilt }}) as rebuilt
    where
        built.council_code = rebuilt.council_code
        and built.{{ column }} >= rebuilt.rebuilt_from;

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ rebuilt }}
{%- endmacro %}


{% macro built_watermark(column) -%}
    {#- The newest input load an incremental table was last built from (its `column`), or
        -infinity on a full build and when the table predates that column, so that the first
        build after an upgrade rebuilds everything (with on_schema_change='append_new_columns'). -#}
    {%- set built = adapter.get_columns_in_relation(this) | map(attribute='name') | list
        if is_incremental() else [] -%}
    {%- if column in built -%}
        (select coalesce(max({{ column }}), '-infinity') from {{ this }})
    {%- else -%}
        cast('-infinity' as timestamptz)
    {%- endif -%}
{%- endmacro %}
