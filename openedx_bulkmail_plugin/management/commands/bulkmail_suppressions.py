"""
Operators' hands on the suppression list, for what the admin is slow at.

    ./manage.py lms bulkmail_suppressions import bounces.csv --reason hard_bounce --source "SES export"
    ./manage.py lms bulkmail_suppressions remove ann@example.com
    ./manage.py lms bulkmail_suppressions show ann@example.com
"""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...deliverability import suppressions
from ...models import Suppression

REASONS = [reason for reason, _label in Suppression.REASON_CHOICES]


class Command(BaseCommand):
    help = "Import a provider's suppression export (CSV of addresses), or remove or show an address."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        importing = actions.add_parser("import", help="Suppress every address of a CSV file.")
        importing.add_argument("path", help="CSV file; the first cell holding an @ of each line is the address.")
        importing.add_argument("--reason", choices=REASONS, default=Suppression.MANUAL)
        importing.add_argument("--source", default="import", help="Kept with each address, e.g. 'SES export'.")
        removing = actions.add_parser("remove", help="Lift addresses, so they are mailed again.")
        removing.add_argument("addresses", nargs="+")
        showing = actions.add_parser("show", help="Say whether and why addresses are suppressed.")
        showing.add_argument("addresses", nargs="+")

    def handle(self, *args, **options):
        getattr(self, f"handle_{options['action']}")(options)

    def handle_import(self, options):
        """Suppress the addresses of a CSV file and say how many were new."""
        path = Path(options["path"])
        try:
            with path.open(newline="", encoding="utf-8-sig") as lines:
                tally = suppressions.import_addresses(lines, options["reason"], options["source"])
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        self.stdout.write(f"{tally['added']} added, {tally['already']} already suppressed, "
                          f"{tally['invalid']} lines without a valid address.")

    def handle_remove(self, options):
        """Lift each address, saying whether it was on the list."""
        for address in options["addresses"]:
            lifted = suppressions.lift(address)
            self.stdout.write(f"{suppressions.normalise(address)}: {'removed' if lifted else 'was not suppressed'}")

    def handle_show(self, options):
        """Say for each address why it is suppressed, in the words an instructor reads."""
        for address in options["addresses"]:
            entry = Suppression.objects.filter(address=suppressions.normalise(address)).first()
            text = suppressions.skip_reason(entry) if entry else "not suppressed"
            self.stdout.write(f"{suppressions.normalise(address)}: {text}")
