-- Each contact with its demand classification (value or failure, and why), its channel's
-- self-service flag and the ward and locality of its address when the UPRN matches.
with

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

addresses as (
    select * from {{ ref('int_addresses_located') }}
)

select
    contacts.contact_id,
    contacts.council_code,
    contacts.received_at,
    contacts.period_month,
    contacts.service,
    contacts.channel,
    contacts.team,
    contacts.demand_type,
    contacts.resolved_at_first_point,
    addresses.ward_code,
    addresses.locality,
    contacts.batch_id,
    contacts.loaded_at,
    addresses.loaded_at as gazetteer_loaded_at,
    contacts.demand_type = 'failure' as is_failure_demand,
    coalesce(contacts.failure_type, 'none') as failure_type,
    contacts.channel = 'web' as is_self_service,
    addresses.uprn is not null as is_address_matched
from contacts
left join addresses on contacts.uprn = addresses.uprn
