"""Report partitions, one key per reporting period, built from config/reporting_calendar.yml."""

import dagster as dg

from orchestration.lib.reporting import calendar

# Portfolio Holder briefings precede each Cabinet, so they share the Cabinet cycle's keys.
reporting_cabinet_cycle_partition = dg.StaticPartitionsDefinition(calendar.period_keys("cabinet"))
reporting_scrutiny_quarter_partition = dg.StaticPartitionsDefinition(
    calendar.period_keys("scrutiny")
)

PARTITIONS = {
    "cabinet": reporting_cabinet_cycle_partition,
    "portfolio": reporting_cabinet_cycle_partition,
    "scrutiny": reporting_scrutiny_quarter_partition,
}
