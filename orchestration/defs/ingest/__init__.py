import dagster as dg

from orchestration.defs.ingest.assets import raw_assets
from orchestration.defs.ingest.sensors import ingest_jobs, landing_sensors


def defs() -> dg.Definitions:
    return dg.Definitions(assets=raw_assets(), jobs=ingest_jobs(), sensors=landing_sensors())
