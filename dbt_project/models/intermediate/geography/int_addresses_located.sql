-- Each gazetteer address with the statistical geography records are placed in.
select
    uprn,
    council_code,
    ward_code,
    ward_name,
    lsoa_code,
    locality,
    address_type,
    loaded_at
from {{ ref('stg_gazetteer__addresses') }}
