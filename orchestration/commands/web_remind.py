"""`bdc web remind`: email owners, managers and Directors what they have to do."""

import datetime as dt

import click

from orchestration.commands.common import friendly, migrate_app, warehouse_url


@click.command("remind")
@click.option(
    "--date",
    "today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Act as if today were this date (YYYY-MM-DD); default today.",
)
@click.option(
    "--within-days",
    default=28,
    show_default=True,
    type=click.IntRange(min=0),
    help="Remind owners of input for Cabinet meetings within this many days.",
)
@click.option("--dry-run", is_flag=True, help="Say who would be emailed; send nothing.")
@friendly
def remind(today: dt.datetime | None, within_days: int, dry_run: bool) -> None:
    """Email reminders (due soon, overdue) and escalations (managers, Directors).

    Mail goes to BDC_WEB_EMAIL_HOST; without it, each message is written under build/emails/.
    """
    migrate_app(warehouse_url())
    from webapp.officer import emails

    outcome = emails.send_reminders(
        today=today.date() if today else None, within_days=within_days, dry_run=dry_run
    )
    if dry_run:
        click.echo(f"Would email {len(outcome.recipients)} people.")
    else:
        click.echo(f"Emailed {outcome.sent} people.")
    if outcome.without_address:
        click.echo(f"No email address for: {', '.join(outcome.without_address)} (not emailed).")
