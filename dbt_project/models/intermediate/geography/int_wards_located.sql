-- One row per ward with its council and locality (the locality most of its addresses are in).
with

counted as (
    select
        council_code,
        ward_code,
        ward_name,
        locality,
        count(*) as addresses
    from {{ ref('int_addresses_located') }}
    group by council_code, ward_code, ward_name, locality
),

ranked as (
    select
        *,
        row_number() over (partition by ward_code order by addresses desc, locality asc) as rank
    from counted
)

select
    council_code,
    ward_code,
    ward_name,
    locality,
    addresses
from ranked
where rank = 1
