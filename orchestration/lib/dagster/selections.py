"""The asset selections that jobs, sensors, schedules and `bdc` share."""

import dagster as dg

# Partner extracts: each runs on its agreement's own schedule (defs/sharing).
EXTRACT_GROUP = "sharing_extracts"
# Partner extracts follow their agreements' own schedules, never a rebuild of everything.
EVERYTHING = dg.AssetSelection.all() - dg.AssetSelection.groups(EXTRACT_GROUP)
# Reports are partitioned by reporting period and run on the reporting calendar's schedules;
# a job can't mix their partitions with unpartitioned assets, so event and nightly runs stop
# before them (`bdc run` still builds the latest period of each).
REPORTS = dg.AssetSelection.key_prefixes(["reports"])


def rebuild_selection(selection: dg.AssetSelection) -> dg.AssetSelection:
    """What a sensor or nightly run rebuilds: the selection less extracts and reports."""
    return selection - dg.AssetSelection.groups(EXTRACT_GROUP) - REPORTS
