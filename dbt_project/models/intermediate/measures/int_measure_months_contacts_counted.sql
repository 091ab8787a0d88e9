{{
    config(
        materialized='incremental',
        incremental_strategy='rebuilt_periods',
        rebuilt_column='month_start',
        on_schema_change='append_new_columns'
    )
}}

-- The contacts each derived measure of the contact families counts per month (numerator and
-- all contacts matched) by council, ward and locality; int_measure_months_contacts gives each
-- family its denominator. Incremental: a build recounts, for each council whose contacts
-- changed, every month from the earliest changed one (`rebuilt`); docs/measures.md.
with

-- Not materialized: read as the view it is (a materialized CTE's row estimates mislead the
-- planner; see int_case_measure_types).
registry as not materialized (
    select * from {{ ref('stg_registry__measures') }}
    where
        input_method = 'derived'
        and calc_family in ('contact_share', 'contact_count', 'address_match', 'demand_per_1000')
),

demand as not materialized (
    select
        *,
        nullif(ward_code, 'unmatched') as ward,
        nullif(locality, 'unmatched') as locality_name,
        -- A month changes when its file is (re)loaded or the gazetteer moves its addresses.
        greatest(loaded_at, gazetteer_loaded_at) as changed_at
    from {{ ref('fct_demand') }}
),

registry_loaded as (
    select max(loaded_at) as loaded_at from registry
),

-- The newest load this build has read; the next build recounts for what arrives after it.
inputs_loaded as (
    select greatest(max(demand.changed_at), max(registry_loaded.loaded_at)) as inputs_loaded_at
    from demand
    cross join registry_loaded
),

built as (
    select {{ built_watermark('inputs_loaded_at') }} as loaded_at
),

council_changes as (
    select
        demand.council_code,
        min(demand.period_month) as first_month,
        min(demand.period_month) filter (where demand.changed_at > built.loaded_at)
            as first_changed_month
    from demand
    cross join built
    group by demand.council_code
),

-- Months add up independently, so a council is recounted from its earliest changed month;
-- a changed registry recounts everything, as does a full build (its watermark is -infinity).
rebuilt as (
    select
        council_changes.council_code,
        case
            when registry_loaded.loaded_at > built.loaded_at then council_changes.first_month
            else council_changes.first_changed_month
        end as rebuilt_from
    from council_changes
    cross join registry_loaded
    cross join built
    where
        registry_loaded.loaded_at > built.loaded_at
        or council_changes.first_changed_month is not null
),

matched as (
    select
        registry.measure_id,
        registry.calc_family,
        demand.council_code,
        demand.period_month,
        demand.ward,
        demand.locality_name,
        demand.contacts,
        case
            when registry.calc_family = 'address_match'
                then case when demand.is_address_matched then demand.contacts else 0 end
            when registry.calc_numerator = 'failure'
                then case when demand.demand_type = 'failure' then demand.contacts else 0 end
            when registry.calc_numerator = 'first_point' then demand.resolved_first_point
            when registry.calc_numerator = 'self_service' then demand.self_service_contacts
            else demand.contacts
        end as numerator_contacts
    from registry
    inner join demand
        on
            registry.council_code = demand.council_code
            and {{ in_list('demand.service', 'registry.calc_services') }}
            and {{ in_list('demand.channel', 'registry.calc_channels') }}
            and (
                registry.calc_demand_type is null
                or registry.calc_demand_type = demand.demand_type
            )
    inner join rebuilt
        on
            demand.council_code = rebuilt.council_code
            and demand.period_month >= rebuilt.rebuilt_from
),

grouped as (
    select
        measure_id,
        calc_family,
        council_code,
        period_month as month_start,
        {{ geography_columns('council_code', 'ward', 'locality_name') }},
        sum(numerator_contacts) as numerator,
        sum(contacts) as denominator
    from matched
    group by {{ grouping_sets_by_geography(
        ['measure_id', 'calc_family', 'council_code', 'period_month'],
        'ward', 'locality_name'
    ) }}
)

select
    grouped.*,
    rebuilt.rebuilt_from,
    inputs_loaded.inputs_loaded_at
from grouped
inner join rebuilt on grouped.council_code = rebuilt.council_code
cross join inputs_loaded
where grouped.geography_code is not null
