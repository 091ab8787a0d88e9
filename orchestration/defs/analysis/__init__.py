import dagster as dg

from orchestration.defs.analysis.assets import analysis_assets


def defs() -> dg.Definitions:
    return dg.Definitions(assets=analysis_assets())
