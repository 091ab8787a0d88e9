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

-- Months add up independently: a council is recounted from its earliest changed month.
{{ rebuilt_councils('demand', 'period_month', 'registry') }},

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
