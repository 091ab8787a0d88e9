{% macro unique_index(columns) -%}
    {#- Post-hook: a unique index on `columns` of the model's table, created when the table has
        none (a new table, a full refresh, or one built before the hook). While it stands no
        build can write a duplicate: the insert fails naming the key, and the table keeps its
        previous rows. Cheaper than a unique test on a large incremental table, which reads every
        row after each build (the same guarantee the raw tables' keys have, loaders.py). -#}
    {%- set names = columns | map('tojson') | join(', ') | replace('"', "'") -%}
    do $$
    begin
        if not exists (
            select 1 from pg_index as i
            where
                i.indrelid = '{{ this }}'::regclass and i.indisunique and i.indpred is null
                and array(
                    select a.attname::text
                    from unnest(i.indkey) with ordinality as k (attnum, position)
                    inner join pg_attribute as a
                        on a.attrelid = i.indrelid and a.attnum = k.attnum
                    order by k.position
                ) = array[{{ names }}]::text[]
        ) then
            create unique index on {{ this }} ({{ columns | join(', ') }});
        end if;
    end
    $$
{%- endmacro %}
