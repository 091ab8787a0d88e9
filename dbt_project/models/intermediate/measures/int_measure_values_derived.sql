-- The derived measures' values at every period that has ended in their data, in one set: the
-- additive families rolled up from months and the case statistics computed per period. Both
-- fct_measure_values (at each measure's own frequency) and fct_measure_rollups (council level,
-- at or above it) read it. A view: each mart's query plans through it as before.
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
    value
from {{ ref('int_measure_values_rolled') }}
union all
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
    value
from {{ ref('int_measure_values_case_statistics') }}
