"""Project-wide schedules, in the council's timezone."""

import dagster as dg

from orchestration.defs.sharing.assets import EXTRACT_GROUP
from orchestration.lib.environment import TIMEZONE

# Partner extracts follow their agreements' own schedules, never a rebuild of everything.
EVERYTHING = dg.AssetSelection.all() - dg.AssetSelection.groups(EXTRACT_GROUP)
# Reports are partitioned by reporting period and run on the reporting calendar's schedules;
# a job can't mix their partitions with unpartitioned assets, so event and nightly runs stop
# before them (`bdc run` still builds the latest period of each).
REPORTS = dg.AssetSelection.key_prefixes(["reports"])


def rebuild_selection(selection: dg.AssetSelection) -> dg.AssetSelection:
    """What a sensor or nightly run rebuilds: the selection less extracts and reports."""
    return selection - dg.AssetSelection.groups(EXTRACT_GROUP) - REPORTS


everything_job = dg.define_asset_job(
    "everything_job",
    selection=rebuild_selection(dg.AssetSelection.all()),
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
