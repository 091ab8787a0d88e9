-- The ONS statistical nearest neighbours of each Worcestershire district (2025), and whether
-- the reference snapshot holds the neighbour's published figures (only the six Worcestershire
-- districts are in it): a comparison beyond the county says so rather than inventing figures.
with

neighbours as (
    select * from {{ ref('stg_reference__nearest_neighbours') }}
),

in_snapshot as (
    select distinct area_code from neighbours
)

select
    neighbours.model,
    neighbours.area_code,
    neighbours.area_name,
    neighbours.neighbour_rank,
    neighbours.neighbour_code,
    neighbours.neighbour_name,
    in_snapshot.area_code is not null as neighbour_in_snapshot
from neighbours
left join in_snapshot on neighbours.neighbour_code = in_snapshot.area_code
