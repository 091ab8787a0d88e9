"""Flag agreements near review or expiry (or already lapsed) to the Policy Team."""

import dagster as dg

from orchestration.defs.sharing.assets import STATUS_KEY
from orchestration.lib.sharing.agreements import FLAG_WITHIN_DAYS, load_register, status_lines


def flagged_messages(today=None) -> list[str]:
    lines = status_lines(load_register(), today)
    return [
        f"Policy Team: {line.status.message}"
        for line in lines
        if line.status.flags or not line.status.in_force
    ]


@dg.asset_check(
    asset=STATUS_KEY,
    name="agreements_in_date",
    description=(
        f"Warns the Policy Team when a data-sharing agreement is due for review or expires "
        f"within {FLAG_WITHIN_DAYS} days, or has expired: renew it before the next extract."
    ),
)
def agreements_in_date() -> dg.AssetCheckResult:
    messages = flagged_messages()
    return dg.AssetCheckResult(
        passed=not messages,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"flagged": len(messages), "messages": "\n".join(messages) or "none"},
    )
