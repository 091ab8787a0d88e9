import dagster as dg

from orchestration.defs.publishing.assets import public_site, publish_tables


def defs() -> dg.Definitions:
    return dg.Definitions(assets=[publish_tables, public_site])
