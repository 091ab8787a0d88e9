"""The measure registry (config/measures/*.yml) as the raw tables the measures models read."""

import dagster as dg

from orchestration.lib.dagster.resources import WarehouseResource
from orchestration.lib.registry import measures
from orchestration.lib.registry.store import PURPOSES_TABLE, TABLE, write_registry

GROUP = "registry"
# The tables write_registry writes, in one transaction (dbt reads them as the raw_registry source).
REGISTRY_KEY = dg.AssetKey(list(TABLE))
PURPOSES_KEY = dg.AssetKey(list(PURPOSES_TABLE))


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            REGISTRY_KEY,
            group_name=GROUP,
            kinds={"postgres"},
            owners=["team:policy"],
            description=(
                "Every measure's versioned definition, validated from config/measures/*.yml. "
                "Grain: one measure for one council. Replaced whole on each load (one batch)."
            ),
        ),
        dg.AssetSpec(
            PURPOSES_KEY,
            group_name=GROUP,
            kinds={"postgres"},
            owners=["team:policy"],
            description=(
                "The strategic purposes the measures serve: the `purpose` of each "
                "config/measures/*.yml, with its Director. Grain: one purpose. Replaced whole "
                "with raw.measure_registry, in the same transaction and batch."
            ),
        ),
    ],
    name="measure_registry",
)
def measure_registry(warehouse: WarehouseResource):
    registry = measures.load_registry()
    batch_id = write_registry(warehouse.url, registry)
    rows = registry.rows()
    yield dg.MaterializeResult(
        asset_key=REGISTRY_KEY,
        metadata={
            "measures": len(registry.measures),
            "rows_loaded": len(rows),
            "batch_id": batch_id,
            "files": ", ".join(path.name for path in registry.files),
        },
    )
    yield dg.MaterializeResult(
        asset_key=PURPOSES_KEY,
        metadata={"purposes": len(registry.purposes), "batch_id": batch_id},
    )
