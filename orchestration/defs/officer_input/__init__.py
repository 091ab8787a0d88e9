import dagster as dg

from orchestration.defs.officer_input.assets import input_specs
from orchestration.defs.officer_input.reminders import (
    officer_reminders_job,
    officer_reminders_schedule,
)
from orchestration.defs.officer_input.sensors import officer_input_job, officer_input_sensor


def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=input_specs(),
        jobs=[officer_input_job(), officer_reminders_job],
        sensors=[officer_input_sensor],
        schedules=[officer_reminders_schedule],
    )
