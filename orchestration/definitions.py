"""The one Dagster code location: every domain's Definitions merged, then project-wide policy."""

import dagster as dg

from orchestration.defs import analysis, ingest, quality, registry, sharing, transform
from orchestration.defs.schedules import schedules
from orchestration.lib.resources import warehouse_resource

defs = dg.Definitions.merge(
    ingest.defs(),
    registry.defs(),
    transform.defs(),
    quality.defs(),
    analysis.defs(),
    sharing.defs(),
    dg.Definitions(
        resources={"warehouse": warehouse_resource()},
        schedules=schedules(),
        executor=dg.in_process_executor,
    ),
)
