"""marts.measure_quality as an asset: the quality mark beside every figure.

The suite checks also rebuild it when a check fails (so it is current even when a blocking
failure skips this asset); this asset shows it in the lineage, rebuilds it once per run, and on
schedule, e.g. when a waiver is added or expires. (The Data Docs need no rebuild here: each
suite's Checkpoint updates its page and the index.)
"""

import dagster as dg

from orchestration.defs.keys import model_key
from orchestration.lib.dagster.resources import WarehouseResource
from orchestration.lib.quality import marks


@dg.asset(
    key=["marts", "measure_quality"],
    group_name="quality",
    kinds={"postgres"},
    deps=[model_key("fct_measure_values")],
    description=(
        "One row per measure x council x period x criterion (relevant, well_defined, timely, "
        "reliable, verifiable, accurate): pass, warn, fail or waived, with evidence."
    ),
)
def measure_quality(warehouse: WarehouseResource) -> dg.MaterializeResult:
    rows = marks.build_measure_quality(warehouse.url)
    return dg.MaterializeResult(metadata={"rows": rows or 0})
