{% macro changed_months(upstream, month_column) -%}
    {#- Where clause of an incremental fact that rebuilds whole months: every month of upstream
        with a row loaded since the last build (a new or a replacing file), or every month when
        the gazetteer changed (wards move with it). The changed months are collected once into an
        array: as an IN (subquery) beside the OR, PostgreSQL re-ran the subquery for every row
        once it was too big to hash (scale 10: over 11 minutes). An empty table, or one that
        predates the two columns, rebuilds every month (built_watermark). The model declares
        `-- depends_on: {{ ref('int_addresses_located') }}`. -#}
    {%- if is_incremental() %}
        where
            {{ month_column }} = any(array(
                select distinct changed.{{ month_column }} from {{ upstream }} as changed
                where changed.loaded_at > {{ built_watermark('loaded_at') }}
            ))
            or (
                select max(gazetteer.loaded_at)
                from {{ ref('int_addresses_located') }} as gazetteer
            )
            > {{ built_watermark('gazetteer_loaded_at') }}
    {%- endif %}
{%- endmacro %}
