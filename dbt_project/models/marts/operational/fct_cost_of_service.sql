-- Cost of each service by council and month with its transactions (contacts) and failure
-- demand: cost per transaction and cost of failure demand. Customer services' transactions are
-- the contacts its team took; other services' are the contacts about them.
with

ledger as (
    select
        council_code,
        service,
        period_month,
        sum(budget) as budget,
        sum(actual) as actual,
        sum(income) as income,
        sum(fte) as fte
    from {{ ref('stg_finance__ledger_lines') }}
    group by council_code, service, period_month
),

demand as (
    select * from {{ ref('fct_demand') }}
),

contacts_by_service as (
    select
        council_code,
        period_month,
        service,
        sum(contacts) as contacts,
        sum(contacts) filter (where demand_type = 'failure') as failure_contacts
    from demand
    group by council_code, period_month, service
    union all
    select
        council_code,
        period_month,
        'customer_services' as service,
        sum(contacts) as contacts,
        sum(contacts) filter (where demand_type = 'failure') as failure_contacts
    from demand
    where team = 'customer_services'
    group by council_code, period_month
)

select
    ledger.council_code,
    ledger.service,
    ledger.period_month,
    ledger.budget,
    ledger.actual,
    ledger.income,
    ledger.fte,
    ledger.actual - ledger.income as net_cost,
    coalesce(contacts.contacts, 0) as transactions,
    coalesce(contacts.failure_contacts, 0) as failure_transactions,
    round(ledger.actual / nullif(contacts.contacts, 0), 4) as cost_per_transaction,
    round(
        ledger.actual * coalesce(contacts.failure_contacts, 0) / nullif(contacts.contacts, 0), 4
    ) as cost_of_failure_demand
from ledger
left join contacts_by_service as contacts
    on
        ledger.council_code = contacts.council_code
        and ledger.period_month = contacts.period_month
        and ledger.service = contacts.service
