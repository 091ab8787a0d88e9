import dagster as dg

from orchestration.defs.registry.assets import measure_registry


def defs() -> dg.Definitions:
    return dg.Definitions(assets=[measure_registry])
