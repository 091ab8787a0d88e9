"""Report schedules from config/reporting_calendar.yml, in Europe/London.

cabinet_report_schedule      07:00 on the 8th of Jan, Mar, May, Jul, Sep, Nov (7 days before)
portfolio_briefing_schedule  07:00 on the 1st of those months (14 days before Cabinet)
scrutiny_report_schedule     07:00 on the 13th of Feb, May, Aug, Nov (7 days before O&S)
(the words above describe the shipped calendar; the crons are computed from the file).
"""

import dagster as dg

from orchestration.defs.reporting.assets import REPORT_ASSETS
from orchestration.defs.reporting.partitions import PARTITIONS
from orchestration.lib.reporting import calendar

JOB_NAMES = {"cabinet": "cabinet_report", "portfolio": "portfolio_briefing",
             "scrutiny": "scrutiny_report"}  # fmt: skip


def report_job(kind: str):
    return dg.define_asset_job(
        f"{JOB_NAMES[kind]}_job",
        selection=dg.AssetSelection.assets(REPORT_ASSETS[kind]),
        partitions_def=PARTITIONS[kind],
        description=f"Build the {kind} pack for one reporting period.",
        # One warehouse-wide run at a time in production (deploy/dagster.prod.yaml): a pack
        # waits for the rebuild queued before it.
        tags={"bdc/run": "report"},
    )


def report_schedule(kind: str, job) -> dg.ScheduleDefinition:
    config = calendar.load()

    @dg.schedule(
        name=f"{JOB_NAMES[kind]}_schedule",
        cron_schedule=calendar.cron(kind, config),
        execution_timezone=calendar.timezone(config),
        job=job,
        description=f"Produce the {kind} pack on the day the reporting calendar says it is due.",
    )
    def _schedule(context: dg.ScheduleEvaluationContext):
        run_date = context.scheduled_execution_time.date()
        period = calendar.period_for_run(kind, run_date, calendar.load())
        if period is None:
            return dg.SkipReason(f"No {kind} pack is due on {run_date} in the calendar.")
        return dg.RunRequest(run_key=f"{kind}-{period.key}", partition_key=period.key)

    return _schedule


REPORT_JOBS = {kind: report_job(kind) for kind in REPORT_ASSETS}


def report_jobs_and_schedules() -> tuple[list, list]:
    jobs = REPORT_JOBS
    return list(jobs.values()), [report_schedule(kind, job) for kind, job in jobs.items()]
