with

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

monthly as (
    select
        council_code,
        service,
        channel,
        demand_type,
        cast(date_trunc('month', received_at) as date) as period_month,
        count(*) as contacts,
        count(*) filter (where resolved_at_first_point) as resolved_first_point,
        count(distinct batch_id) as source_batches
    from contacts
    group by 1, 2, 3, 4, 5
)

select * from monthly
