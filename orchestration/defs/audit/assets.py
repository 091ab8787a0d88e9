"""audit.* tables that assets read but no asset materializes, declared as external assets.

audit.loads is written as a side effect of loading (by the loader behind every raw/* asset and
by the registry asset) and by `bdc withdraw`, outside any run; dbt reads it as a source
(staging/audit). Declared here, its dependants resolve to a table the code location knows.
"""

import dagster as dg

GROUP = "audit"
LOADS = dg.AssetKey(["audit", "loads"])


def audit_specs() -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(
            LOADS,
            group_name=GROUP,
            kinds={"postgres"},
            description=(
                "audit.loads: one row per file (batch) the loader handled, with its checksum, "
                "rows and outcome (loaded, duplicate, rejected, superseded, withdrawn); "
                "batch_id is the _batch_id on the raw rows. Not materialized by an asset: "
                "written while loading and by `bdc withdraw`."
            ),
            metadata={
                "written_by": "the loader (orchestration/lib/ingest) behind every raw/* asset, "
                "the registry asset (raw/measure_registry) and `bdc withdraw`"
            },
        )
    ]
