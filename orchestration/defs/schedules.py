"""Project-wide schedules, in the council's timezone."""

import dagster as dg

from orchestration.lib.dagster.selections import rebuild_selection
from orchestration.lib.environment import TIMEZONE

everything_job = dg.define_asset_job(
    "everything_job",
    selection=rebuild_selection(dg.AssetSelection.all()),
    description="Load every new landing file and rebuild every measure and output.",
    tags={"bdc/run": "rebuild"},  # one rebuild or pack run at a time (deploy/dagster.prod.yaml)
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
