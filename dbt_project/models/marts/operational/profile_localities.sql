-- Locality profile: the ward profiles added up to the council's localities.
with

wards as (
    select * from {{ ref('profile_wards') }}
)

select
    council_code,
    locality,
    count(*) as wards,
    sum(population) as population,
    round(avg(imd_average_score), 3) as imd_average_score,
    min(imd_most_deprived_decile) as imd_most_deprived_decile,
    sum(contacts_last_12_months) as contacts_last_12_months,
    round(1000.0 * sum(contacts_last_12_months) / nullif(sum(population), 0), 2)
        as contacts_per_1000_residents
from wards
group by council_code, locality
