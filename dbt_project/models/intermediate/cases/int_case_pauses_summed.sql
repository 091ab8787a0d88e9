-- Total paused days per case: a pause still running at extraction counts to the case's
-- completion (or is left open, counting nothing, while the case is open).
with

pauses as (
    select * from {{ ref('stg_cases__clock_pauses') }}
),

cases as (
    select
        case_id,
        completed_date
    from {{ ref('stg_cases__service_cases') }}
)

select
    pauses.case_id,
    pauses.received_month,
    count(*) as pauses,
    sum(
        coalesce(pauses.paused_to, cases.completed_date, pauses.paused_from) - pauses.paused_from
    ) as paused_days,
    bool_or(pauses.paused_to is null) as has_open_pause,
    max(pauses.loaded_at) as loaded_at
from pauses
left join cases on pauses.case_id = cases.case_id
group by pauses.case_id, pauses.received_month
