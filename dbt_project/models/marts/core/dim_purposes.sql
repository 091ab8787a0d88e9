select
    cast(purpose_code as text) as purpose_code,
    cast(purpose_name as text) as purpose_name,
    cast(director as text) as director,
    cast(description as text) as description,
    cast(sort_order as integer) as sort_order
from {{ ref('stg_registry__purposes') }}
