"""The measure registry (config/measures/*.yml) as a raw table the measures model reads."""

import dagster as dg

from orchestration.lib.dagster.resources import WarehouseResource
from orchestration.lib.registry import measures
from orchestration.lib.registry.store import write_registry

GROUP = "registry"


@dg.asset(
    key=dg.AssetKey(["raw", "measure_registry"]),
    group_name=GROUP,
    kinds={"postgres"},
    owners=["team:policy"],
    description=(
        "Every measure's versioned definition, validated from config/measures/*.yml. "
        "Grain: one measure for one council. Replaced whole on each load (one batch)."
    ),
)
def measure_registry(warehouse: WarehouseResource) -> dg.MaterializeResult:
    registry = measures.load_registry()
    batch_id = write_registry(warehouse.url, registry)
    rows = registry.rows()
    return dg.MaterializeResult(
        metadata={
            "measures": len(registry.measures),
            "rows_loaded": len(rows),
            "batch_id": batch_id,
            "files": ", ".join(path.name for path in registry.files),
        }
    )
