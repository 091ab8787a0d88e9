"""One schedule per agreement from its frequency, in Europe/London, plus a daily status check.

Extracts run on the 25th, after partner returns (due by the 15th working day) have landed:
monthly agreements every month, quarterly ones in the month after each quarter ends.
"""

import dagster as dg

from orchestration.defs.sharing.assets import STATUS_KEY
from orchestration.lib.environment import TIMEZONE
from orchestration.lib.sharing.agreements import Agreement

CRON = {"monthly": "0 7 25 * *", "quarterly": "0 7 25 1,4,7,10 *"}


def share_job(agreement: Agreement):
    return dg.define_asset_job(
        f"share_{agreement.id}_job",
        selection=dg.AssetSelection.assets(dg.AssetKey(["shares", agreement.id])),
        description=f"Partner extract under agreement {agreement.id}.",
    )


def share_schedule(agreement: Agreement, job) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name=f"share_{agreement.id}_schedule",
        job=job,
        cron_schedule=CRON[agreement.frequency],
        execution_timezone=TIMEZONE,
        description=(
            f"{agreement.frequency.capitalize()} extract for {agreement.partner} "
            f"(agreement {agreement.id}) at 07:00 London time on the 25th."
        ),
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )


status_job = dg.define_asset_job(
    "sharing_agreement_status_job",
    selection=dg.AssetSelection.assets(STATUS_KEY),
    description="Check every data-sharing agreement's status, review and expiry dates.",
)

status_schedule = dg.ScheduleDefinition(
    name="sharing_agreement_status_schedule",
    job=status_job,
    cron_schedule="0 6 * * 1-5",
    execution_timezone=TIMEZONE,
    description="Weekdays at 06:00 London time: flag agreements near review or expiry.",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
