{{
    config(
        materialized='incremental',
        incremental_strategy='rebuilt_periods',
        rebuilt_column='month_start',
        on_schema_change='append_new_columns'
    )
}}

-- Monthly numerators and denominators of the additive case families: case_within (share
-- completed within N net days, by completion month) and case_count of received or completed.
-- Incremental: a build recounts, for each council whose cases changed, every month from the
-- earliest receipt month among them (a case is completed on or after it); docs/measures.md.
with

-- Not materialized: read as the table it is, with its statistics (see int_case_measure_types).
registry as not materialized (
    select * from {{ ref('int_case_measure_types') }}
    where
        calc_family = 'case_within'
        or (calc_family = 'case_count' and calc_event in ('received', 'completed'))
),

cases as not materialized (
    select
        *,
        -- A case changes when its case or pause file is (re)loaded or the gazetteer moves it.
        greatest(loaded_at, gazetteer_loaded_at) as changed_at
    from {{ ref('fct_case_end_to_end') }}
),

-- A case counts in its receipt or completion month, never before its receipt month.
{{ rebuilt_councils('cases', 'received_month', 'registry') }},

matched as (
    select
        registry.measure_id,
        registry.calc_family,
        cases.council_code,
        case
            when registry.calc_event = 'received' then cases.received_month
            else cases.completed_month
        end as month_start,
        nullif(cases.ward_code, 'unmatched') as ward,
        nullif(cases.locality, 'unmatched') as locality_name,
        case
            when registry.calc_family = 'case_within'
                then case when cases.net_days <= registry.calc_days then 1 else 0 end
            else 1
        end as in_numerator
    from registry
    inner join cases
        on
            registry.council_code = cases.council_code
            and registry.case_type = cases.case_type
    where registry.calc_event = 'received' or not cases.is_open
),

in_rebuilt_months as (
    select matched.*
    from matched
    inner join rebuilt
        on
            matched.council_code = rebuilt.council_code
            and matched.month_start >= rebuilt.rebuilt_from
),

counted as (
    select
        measure_id,
        council_code,
        month_start,
        {{ geography_columns('council_code', 'ward', 'locality_name') }},
        sum(in_numerator) as numerator,
        case when calc_family = 'case_within' then count(*) end as denominator,
        case when calc_family = 'case_within' then 'percent' else 'count' end as value_rule,
        false as denominator_is_stock
    from in_rebuilt_months
    group by {{ grouping_sets_by_geography(
            ['measure_id', 'calc_family', 'council_code', 'month_start'],
            'ward', 'locality_name'
        ) }}
    having
        grouping(ward) = 1 and grouping(locality_name) = 1
        or coalesce(ward, locality_name) is not null
)

select
    counted.*,
    rebuilt.rebuilt_from,
    inputs_loaded.inputs_loaded_at
from counted
inner join rebuilt on counted.council_code = rebuilt.council_code
cross join inputs_loaded
