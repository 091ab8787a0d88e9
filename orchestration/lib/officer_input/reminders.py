"""The weekly reminder emails of the officer app, run from Dagster (defs/officer_input).

The emails themselves are the app's (webapp/officer/emails.py): this sets Django up against
the warehouse and sends them.
"""

from __future__ import annotations

import datetime as dt
import os
import sys

from orchestration.lib import environment


def setup_django(url: str) -> None:
    """Django configured for the officer app against this warehouse (once per process)."""
    environment.activate(url)
    if str(environment.REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(environment.REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    import django

    django.setup()


def send(url: str, today: dt.date | None = None) -> dict:
    """Send the reminders; return what happened, for the run's metadata."""
    setup_django(url)
    from webapp.officer import emails

    outcome = emails.send_reminders(today=today)
    return {"emailed": outcome.sent, "without_address": outcome.without_address}
