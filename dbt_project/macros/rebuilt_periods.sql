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


{% macro built_watermarks(columns) -%}
    {#- A one-row select: for each of `columns`, the newest input load an incremental table was
        last built from (the column's maximum in the table, all in one scan), or -infinity on a
        full build and when the table predates the column, so that the first build after an
        upgrade rebuilds everything (with on_schema_change='append_new_columns'). -#}
    {%- set built = adapter.get_columns_in_relation(this) | map(attribute='name') | list
        if is_incremental() else [] -%}
    select
    {%- for column in columns %}
        {% if column in built -%}
            coalesce(max({{ column }}), '-infinity')
        {%- else -%}
            cast('-infinity' as timestamptz)
        {%- endif %} as {{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
    {%- if built | select('in', columns) | list %}
    from {{ this }}
    {%- endif %}
{%- endmacro %}


{% macro rebuilt_councils(changes, month_column, registry, last_receipt_column=none) -%}
    {#- The CTEs an incremental `rebuilt_periods` model needs to know what to recompute, ending
        with `rebuilt` (council_code, rebuilt_from) and `inputs_loaded` (the watermark to store).
        `changes`: a CTE with council_code, changed_at (when the row's inputs were loaded) and
        `month_column`; `registry`: a CTE of the registry rows used, with loaded_at. Each council
        with a row changed since the last build is rebuilt from the earliest month among them,
        or from the month of its latest unchanged `last_receipt_column` when that is earlier (for
        figures that count up to the last day of data); every council when the registry changed
        or on a full build (watermark -infinity). -#}
registry_loaded as (
    select max(loaded_at) as loaded_at from {{ registry }}
),

built as (
    {{ built_watermarks(['inputs_loaded_at']) }}
),

council_changes as (
    select
        {{ changes }}.council_code,
        min({{ changes }}.{{ month_column }}) as first_month,
        min({{ changes }}.{{ month_column }}) filter (
            where {{ changes }}.changed_at > built.inputs_loaded_at
        ) as first_changed_month,
        {%- if last_receipt_column %}
        cast(date_trunc('month', max({{ changes }}.{{ last_receipt_column }}) filter (
            where {{ changes }}.changed_at <= built.inputs_loaded_at
        )) as date) as last_unchanged_month
        {%- else %}
        cast(null as date) as last_unchanged_month
        {%- endif %},
        max({{ changes }}.changed_at) as last_changed_at
    from {{ changes }}
    cross join built
    group by {{ changes }}.council_code
),

-- The newest load this build has read; the next build recomputes for what arrives after it.
-- From the councils' own newest (not another pass over every row).
inputs_loaded as (
    select
        greatest(max(council_changes.last_changed_at), max(registry_loaded.loaded_at))
            as inputs_loaded_at
    from council_changes
    cross join registry_loaded
),

rebuilt as (
    select
        council_changes.council_code,
        case
            when registry_loaded.loaded_at > built.inputs_loaded_at then council_changes.first_month
            else least(council_changes.first_changed_month, council_changes.last_unchanged_month)
        end as rebuilt_from
    from council_changes
    cross join registry_loaded
    cross join built
    where
        registry_loaded.loaded_at > built.inputs_loaded_at
        or council_changes.first_changed_month is not null
)
{%- endmacro %}
