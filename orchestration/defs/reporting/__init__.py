import dagster as dg

from orchestration.defs.reporting.assets import REPORT_ASSETS
from orchestration.defs.reporting.schedules import report_jobs_and_schedules


def defs() -> dg.Definitions:
    jobs, schedules = report_jobs_and_schedules()
    return dg.Definitions(assets=list(REPORT_ASSETS.values()), jobs=jobs, schedules=schedules)
