"""The one Dagster code location: every domain's Definitions merged, then project-wide policy."""

import dagster as dg

from orchestration.defs import ingest, quality, transform
from orchestration.defs.schedules import schedules
from orchestration.lib.resources import warehouse_resource

defs = dg.Definitions.merge(
    ingest.defs(),
    transform.defs(),
    quality.defs(),
    dg.Definitions(
        resources={"warehouse": warehouse_resource()},
        schedules=schedules(),
        executor=dg.in_process_executor,
    ),
)
