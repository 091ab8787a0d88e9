"""`manage.py send_reminders`: email owners, managers and Directors what they have to do."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from webapp.officer import emails


class Command(BaseCommand):
    help = "Email reminders (due soon, overdue) and escalations (managers, Directors)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Act as if today were this date (YYYY-MM-DD).")
        parser.add_argument(
            "--within-days",
            type=int,
            default=emails.DUE_SOON_DAYS,
            help="Remind owners of input for Cabinet meetings within this many days.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say who would be emailed; send nothing."
        )

    def handle(self, *args, **options):
        try:
            today = date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as error:
            raise CommandError("--date must be a date like 2027-01-04.") from error
        outcome = emails.send_reminders(
            today=today, within_days=options["within_days"], dry_run=options["dry_run"]
        )
        verb = "Would email" if options["dry_run"] else "Emailed"
        count = len(outcome.recipients) if options["dry_run"] else outcome.sent
        self.stdout.write(f"{verb} {count} people.")
        if outcome.without_address:
            self.stdout.write(
                "No email address for: " + ", ".join(outcome.without_address) + " (not emailed)."
            )
