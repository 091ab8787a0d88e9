with

source as (
    select * from {{ source('raw_registry', 'measure_registry') }}
),

renamed as (
    select
        measure_id,
        council_code,
        name,
        kind,
        purpose_code,
        team,
        service_area,
        locality,
        owner,
        manager,
        director,
        portfolio,
        portfolio_holder,
        definition,
        numerator_definition,
        denominator_definition,
        unit,
        polarity,
        frequency,
        target,
        target_basis,
        target_source,
        target_set_by,
        cast(target_set_on as date) as target_set_on,
        no_target_reason,
        accumulation,
        signals,
        signals_reason,
        source,
        data_quality_notes,
        is_public,
        is_key,
        input_method,
        spc_profile,
        comparators,
        registry_file,
        calc_family,
        calc_services,
        calc_channels,
        calc_numerator,
        calc_demand_type,
        calc_case_types,
        calc_statistic,
        cast(calc_days as integer) as calc_days,
        calc_event,
        calc_metric,
        calc_teams,
        calc_measure_code,
        calc_denominator_code,
        calc_table,
        calc_series,
        calc_denominator_series,
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        nullif(breakdowns, '') as breakdowns,
        coalesce(calc_per_population = 'True', false) as calc_per_population,
        case frequency
            when 'monthly' then 'month'
            when 'quarterly' then 'quarter'
            else 'financial_year'
        end as frequency_period_type
    from source
)

select * from renamed
