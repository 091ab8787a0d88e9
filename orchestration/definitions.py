"""The one Dagster code location: every domain's Definitions merged, then project-wide policy."""

import dagster as dg

from orchestration.defs import (
    analysis,
    audit,
    ingest,
    officer_input,
    publishing,
    quality,
    registry,
    reporting,
    sharing,
    transform,
)
from orchestration.defs.schedules import schedules
from orchestration.lib.dagster.resources import warehouse_resource

defs = dg.Definitions.merge(
    ingest.defs(),
    registry.defs(),
    transform.defs(),
    quality.defs(),
    analysis.defs(),
    sharing.defs(),
    reporting.defs(),
    publishing.defs(),
    officer_input.defs(),
    audit.defs(),
    dg.Definitions(
        resources={"warehouse": warehouse_resource()},
        schedules=schedules(),
        executor=dg.in_process_executor,
    ),
)
