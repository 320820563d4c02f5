"""`epigrid restore PATH [--force]`: restore a backup after checking it against its manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from epigrid.core.backup import BackupError, backup_restore
from epigrid.core.models import User
from epigrid.people.models import Person
from epigrid.regions.models import Region

# What the summary names, beside the total: the tables an operator recognises.
SUMMARY_TABLES = (User._meta.db_table, Region._meta.db_table, Person._meta.db_table)


class Command(BaseCommand):
    help = (
        "Restore a backup made by `epigrid backup`: refuses a file that does not match its manifest, "
        "a backup of a newer EpiGrid, and a database holding data unless --force. SQLite: stop the web "
        "server and the worker first."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the backup file (its manifest is <file>.manifest.json)")
        parser.add_argument("--force", action="store_true", help="overwrite a database that holds data")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_restore(options["path"], force=options["force"])
        except BackupError as exc:
            raise CommandError(f"restore refused: {exc}") from None
        counts = result.counts
        named = ", ".join(f"{table} {counts.get(table, 0)}" for table in SUMMARY_TABLES)
        self.stdout.write(
            f"restored {result.path.name} (made {result.manifest.get('created_at', '?')}): "
            f"{len(counts)} tables, {sum(counts.values())} rows, equal to the manifest ({named})"
        )
        if result.dropped_tables:
            self.stdout.write(f"dropped tables the backup does not have: {', '.join(result.dropped_tables)}")
        if result.pending_migrations:
            self.stdout.write(
                f"the backup predates {len(result.pending_migrations)} migrations of this version: "
                "run `epigrid migrate` before starting the server"
            )
