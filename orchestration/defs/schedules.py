"""Project-wide schedules, in the council's timezone."""

import dagster as dg

from orchestration.defs.sharing.assets import EXTRACT_GROUP
from orchestration.lib.environment import TIMEZONE

# Partner extracts follow their agreements' own schedules, never the nightly rebuild.
EVERYTHING = dg.AssetSelection.all() - dg.AssetSelection.groups(EXTRACT_GROUP)

everything_job = dg.define_asset_job(
    "everything_job",
    selection=EVERYTHING,
    description="Load every new landing file and rebuild every measure and output.",
)

nightly_everything_schedule = dg.ScheduleDefinition(
    name="nightly_everything_schedule",
    job=everything_job,
    cron_schedule="0 2 * * *",
    execution_timezone=TIMEZONE,
    description="Every night at 02:00 London time: rebuild everything from what has landed.",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


def schedules() -> list[dg.ScheduleDefinition]:
    return [nightly_everything_schedule]
