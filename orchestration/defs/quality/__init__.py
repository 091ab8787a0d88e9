import dagster as dg

from orchestration.defs.quality.checks import suite_checks


def defs() -> dg.Definitions:
    return dg.Definitions(asset_checks=suite_checks())
