import dagster as dg

from orchestration.defs.quality.assets import measure_quality
from orchestration.defs.quality.checks import freshness_checks, suite_checks


def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=[measure_quality], asset_checks=[*suite_checks(), *freshness_checks()]
    )
