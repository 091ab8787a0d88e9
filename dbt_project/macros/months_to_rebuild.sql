{% macro months_to_rebuild(name, changes) -%}
    {#- A one-row CTE `name` saying what an incremental fact that rebuilds whole months reads:
        `months`, every month in which `changes` found a row loaded since the last build (a new
        or a replacing file); `everything`, true when the gazetteer changed (wards move with
        it: a gazetteer file loaded since, found in audit.loads rather than by reading every
        address) and on a full build; `from_date`, the earliest of those months (-infinity for
        everything). `changes` are queries returning months (loaded_months, or the model's
        own), which may read `built` (the table's watermarks, built_watermarks). Each part is
        materialized: pulled up into the select, each would be worked out again for every
        place it is used. Use with in_months_to_rebuild. -#}
    {{ name }} as materialized (
        with

        built as materialized (
            {{ built_watermarks(['loaded_at', 'gazetteer_loaded_at']) }}
        ),

        changed as materialized (
            select array({{ changes | join(' union ') }}) as months
        ),

        gazetteer as materialized (
            select
                -- a load's transaction time, which every raw row it wrote carries as
                -- _loaded_at (read from the source: no view to rebuild first)
                (
                    select max(loads.started_at) from {{ source('audit', 'loads') }} as loads
                    where loads.source = 'gazetteer' and loads.outcome = 'loaded'
                ) > (select built.gazetteer_loaded_at from built) as changed
        )

        select
            changed.months,
            gazetteer.changed as everything,
            case
                when gazetteer.changed then cast('-infinity' as date)
                else (select min(month) from unnest(changed.months) as month)
            end as from_date
        from changed cross join gazetteer
    )
{%- endmacro %}


{% macro in_months_to_rebuild(name, month_column, range_column) -%}
    {#- Where clause of the incremental build: the rows of the months `name` (months_to_rebuild)
        lists, or every row. `range_column` is the raw period column `month_column` is the month
        of: bounding it below by the earliest such month lets PostgreSQL read only the newest
        pages through the raw table's BRIN index (raw_tables._range_columns) instead of the whole
        table; the month test implies the bound, so the rows are the same. The months are one
        array, not an IN (subquery): beside the OR, PostgreSQL re-ran such a subquery for every
        row once it was too big to hash, which made the build quadratic in the rows. An empty table, or one
        that predates the watermark columns, rebuilds every month (built_watermarks). -#}
    {%- if is_incremental() %}
        where
            {{ range_column }} >= (select from_date from {{ name }})
            and (
                {{ month_column }} = any(array(select unnest(months) from {{ name }}))
                or (select everything from {{ name }})
            )
    {%- endif %}
{%- endmacro %}


{% macro loaded_months(relation, month_column) -%}
    {#- The months of `relation`'s rows loaded since the last build, for months_to_rebuild (its
        loaded_at, which the staging models take from the raw tables' BRIN-indexed _loaded_at).
        -#}
    select distinct loaded.{{ month_column }} from {{ relation }} as loaded
    where loaded.loaded_at > (select built.loaded_at from built)
{%- endmacro %}
