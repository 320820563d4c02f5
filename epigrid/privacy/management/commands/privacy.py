"""`epigrid privacy purge --before DATE [--dry-run] [--batch-size N]`: anonymise the personal data of people
whose observation ended before DATE (``epigrid.privacy.purge``), once the emergency is over."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from epigrid.privacy.purge import BATCH_SIZE, MIN_AGE_DAYS, PurgeRefused, purge


class Command(BaseCommand):
    help = "Personal-data housekeeping: `purge` anonymises people whose observation is long over."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser(
            "purge",
            help=(
                "anonymise people whose monitoring episodes all closed before DATE and who are no current "
                f"case, suspect or contact (DATE at least {MIN_AGE_DAYS} days ago)"
            ),
        )
        run.add_argument("--before", required=True, help="YYYY-MM-DD: episodes closed before this day")
        run.add_argument(
            "--dry-run", action="store_true", help="count per table what would change; change nothing"
        )
        run.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="people per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            before = dt.date.fromisoformat(options["before"])
        except ValueError:
            raise CommandError(f"bad date {options['before']!r}: use YYYY-MM-DD") from None
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        dry_run = bool(options["dry_run"])
        try:
            result = purge(before=before, dry_run=dry_run, batch_size=options["batch_size"])
        except PurgeRefused as exc:
            raise CommandError(str(exc)) from None
        verb = "would change" if dry_run else "changed"
        self.stdout.write(
            f"{'DRY RUN: ' if dry_run else ''}people whose episodes all closed before {before.isoformat()}"
            f" and who are under no watch: {result.people}"
        )
        width = max(len(label) for label in result.counts)
        for label, count in result.counts.items():
            self.stdout.write(f"  {label:<{width}}  {count:>8} rows {verb}")
        self.stdout.write(
            f"{result.changed} rows {verb} in total"
            + ("; nothing was written." if dry_run else "; one audit event recorded.")
        )
