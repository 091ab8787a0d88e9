"""Partner data sharing: an extract asset, job and schedule per agreement; register status."""

import dagster as dg

from orchestration.defs.sharing.assets import share_asset, sharing_agreement_status
from orchestration.defs.sharing.checks import agreements_in_date
from orchestration.defs.sharing.schedules import (
    share_job,
    share_schedule,
    status_job,
    status_schedule,
)
from orchestration.lib.sharing.agreements import load_register


def defs() -> dg.Definitions:
    agreements = load_register().agreements
    jobs = {agreement.id: share_job(agreement) for agreement in agreements}
    return dg.Definitions(
        assets=[sharing_agreement_status, *(share_asset(a) for a in agreements)],
        asset_checks=[agreements_in_date],
        jobs=[status_job, *jobs.values()],
        schedules=[status_schedule, *(share_schedule(a, jobs[a.id]) for a in agreements)],
    )
