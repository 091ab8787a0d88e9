{{ config(materialized='table') }}

-- The additive families' monthly figures rolled up to every period that contains the month
-- (month, financial quarter and year, Cabinet cycle) and has ended in the data: numerators and
-- flows summed, stocks (population, FTE) averaged, then the value recomputed from them.
with

-- Columns by name, so a family model's column order cannot shift values between columns.
months as (
    select
        measure_id,
        council_code,
        month_start,
        geography_type,
        geography_code,
        numerator,
        denominator,
        value_rule,
        denominator_is_stock
    from {{ ref('int_measure_months_contacts') }}
    union all
    select
        measure_id,
        council_code,
        month_start,
        geography_type,
        geography_code,
        numerator,
        denominator,
        value_rule,
        denominator_is_stock
    from {{ ref('int_measure_months_cases') }}
    union all
    select
        measure_id,
        council_code,
        month_start,
        geography_type,
        geography_code,
        numerator,
        denominator,
        value_rule,
        denominator_is_stock
    from {{ ref('int_measure_months_finance') }}
    union all
    select
        measure_id,
        council_code,
        month_start,
        geography_type,
        geography_code,
        numerator,
        denominator,
        value_rule,
        denominator_is_stock
    from {{ ref('int_measure_months_workforce') }}
    union all
    select
        measure_id,
        council_code,
        month_start,
        geography_type,
        geography_code,
        numerator,
        denominator,
        value_rule,
        denominator_is_stock
    from {{ ref('int_measure_months_partners') }}
),

periods as (
    select * from {{ ref('int_periods_mapped') }}
),

-- A period is reported only once its last month has data: no partial quarters or years.
latest as (
    select
        measure_id,
        council_code,
        max(month_start) as last_month
    from months
    group by measure_id, council_code
),

rolled as (
    select
        months.measure_id,
        months.council_code,
        periods.period_type,
        periods.period_start,
        periods.period_end,
        months.geography_type,
        months.geography_code,
        months.value_rule,
        sum(months.numerator) as numerator,
        case
            when bool_and(months.denominator_is_stock) then avg(months.denominator)
            else sum(months.denominator)
        end as denominator,
        count(distinct months.month_start) as months_with_data
    from months
    inner join periods on months.month_start = periods.month_start
    inner join latest
        on
            months.measure_id = latest.measure_id
            and months.council_code = latest.council_code
            and periods.period_end < latest.last_month + interval '1 month'
    group by
        months.measure_id, months.council_code, periods.period_type, periods.period_start,
        periods.period_end, months.geography_type, months.geography_code, months.value_rule
)

select
    measure_id,
    council_code,
    period_type,
    period_start,
    period_end,
    geography_type,
    geography_code,
    numerator,
    denominator,
    {{ measure_value('value_rule', 'numerator', 'denominator') }} as value
from rolled
