"""Weekly reminder and escalation emails (owners, managers, Directors): a job and its
schedule. The logic is the app's (webapp/officer/emails.py via lib/officer_input/reminders.py).
"""

import dagster as dg

from orchestration.lib.dagster.resources import WarehouseResource
from orchestration.lib.environment import TIMEZONE


@dg.op(description="Email owners, managers and Directors what they have to do.")
def send_officer_reminders(context: dg.OpExecutionContext, warehouse: WarehouseResource) -> None:
    from orchestration.lib.officer_input import reminders

    outcome = reminders.send(warehouse.url)
    context.log.info(f"Emailed {outcome['emailed']} people.")
    if outcome["without_address"]:
        context.log.warning(
            "No email address for: " + ", ".join(outcome["without_address"]) + " (not emailed)."
        )


@dg.job(description="Reminder and escalation emails of the officer app.")
def officer_reminders_job():
    send_officer_reminders()


officer_reminders_schedule = dg.ScheduleDefinition(
    name="officer_reminders_schedule",
    job=officer_reminders_job,
    cron_schedule="0 8 * * 1",
    execution_timezone=TIMEZONE,
    description="Mondays at 08:00 London time: remind owners of input due or overdue, and "
    "escalate to managers (overdue) and Directors (sign-off outstanding).",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
