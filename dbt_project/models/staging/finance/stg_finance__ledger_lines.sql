with

source as (
    select * from {{ source('raw_finance', 'finance_ledger') }}
),

renamed as (
    select
        council_code,
        cost_centre,
        cost_centre_name,
        service,
        period_month,
        budget,
        actual,
        income,
        fte,
        _batch_id as batch_id,
        _loaded_at as loaded_at
    from source
)

select * from renamed
