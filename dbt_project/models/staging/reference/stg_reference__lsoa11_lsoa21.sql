-- The ONS LSOA 2011 to 2021 lookup. It is loaded only with a reference folder, so when the raw
-- table does not exist (synthetic reference data) this view is empty rather than failing.
with

source as (
    {{ source_or_empty('raw_reference', 'ref_lsoa11_lsoa21', {
        'lsoa11_code': 'text', 'lsoa21_code': 'text', 'change_indicator': 'text',
        'lad_code': 'text', '_batch_id': 'uuid'
    }) }}
),

renamed as (
    select
        lsoa11_code,
        lsoa21_code,
        change_indicator,
        lad_code,
        _batch_id as batch_id
    from source
)

select * from renamed
