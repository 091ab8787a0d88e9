-- Every area values are reported for: the councils, their wards and localities (from the
-- gazetteer) and the neighbouring districts (lad) that appear in published statistics.
with

wards as (
    select * from {{ ref('int_wards_located') }}
),

districts as (
    select
        area_code,
        max(area_name) as area_name
    from {{ ref('stg_stats__homelessness') }}
    where area_code like 'E07%'
    group by area_code
),

areas as (
    select
        'council' as geography_type,
        council_code as geography_code,
        council_code,
        case council_code when 'E07000234' then 'Bromsgrove' else 'Redditch' end
            as geography_name,
        cast(null as text) as locality
    from (select distinct council_code from wards) as councils
    union all
    select
        'ward' as geography_type,
        ward_code as geography_code,
        council_code,
        ward_name as geography_name,
        locality
    from wards
    union all
    select distinct
        'locality' as geography_type,
        locality as geography_code,
        council_code,
        locality as geography_name,
        locality
    from wards
    union all
    select
        'lad' as geography_type,
        area_code as geography_code,
        cast(null as text) as council_code,
        area_name as geography_name,
        cast(null as text) as locality
    from districts
)

select
    cast(geography_type as text) as geography_type,
    cast(geography_code as text) as geography_code,
    cast(council_code as text) as council_code,
    cast(geography_name as text) as geography_name,
    cast(locality as text) as locality
from areas
