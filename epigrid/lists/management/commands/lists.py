"""`epigrid lists import FILE --source NAME` and `epigrid lists links`: department lists from a shell."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from epigrid.core.models import User
from epigrid.core.roles import Role
from epigrid.lib.cells import cell_text
from epigrid.lists.files import ListFileError
from epigrid.lists.models import ListBatch, ListRow
from epigrid.lists.services import STALE_AFTER, list_batch_confirm, list_batch_process, list_batch_upload
from epigrid.regions.models import Level, Region

LINK_COLUMNS = ("source", "batch", "row", "person_id", "decision", "score")


class Command(BaseCommand):
    help = "Import a department name list and link its rows to the registry, or print the links as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import FILE (xlsx, xls, csv) and link every row")
        imp.add_argument("file", type=Path)
        imp.add_argument("--source", required=True, help="the sending department, e.g. 区教育局")
        imp.add_argument("--batch", type=int, default=None, help="batch number (default: from the title)")
        imp.add_argument(
            "--region", default="", help="division code the list was sent to (default: the district)"
        )
        imp.add_argument("--json", action="store_true", help="print the summary as JSON")
        imp.add_argument(
            "--resume",
            action="store_true",
            help="continue at once a batch of this file that a stopped process left running or failed "
            "(without it: once it has shown no progress for 15 minutes)",
        )
        links = sub.add_parser("links", help="write source,batch,row,person_id,decision,score as CSV")
        links.add_argument("--source", default="")
        links.add_argument("--batch", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self._import(options)
        else:
            self._links(options)

    def _import(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        region = self._region(options["region"])
        actor = self._actor(region)
        try:
            upload = list_batch_upload(
                actor=actor,
                region=region,
                source_name=options["source"],
                file_name=path.name,
                content=path.read_bytes(),
                number=options["batch"],
                read_all=True,  # linked in this process: the file is read once
            )
        except ListFileError as exc:
            raise CommandError(f"{path.name}: {exc.message}; nothing imported") from None
        batch = upload.batch
        continued = False
        if batch.status == ListBatch.Status.UPLOADED:
            list_batch_confirm(actor=actor, batch=batch)
            list_batch_process(batch_id=batch.pk, read=upload.read)
            batch.refresh_from_db()
        elif batch.status != ListBatch.Status.DONE:
            # The same file again while its batch is unfinished: the process linking it was stopped
            # half-way (killed, a failure). Its committed rows are kept; the rest is linked now.
            list_batch_process(batch_id=batch.pk, resume=options["resume"])
            batch.refresh_from_db()
            if batch.status != ListBatch.Status.DONE:
                raise CommandError(self._unfinished(batch))
            continued = True
        summary = {
            "source": batch.source.name,
            "batch": batch.number,
            "new_file": upload.created,
            "continued": continued,
            "status": batch.status,
            **batch.summary,
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        s = batch.summary
        counts = ", ".join(f"{s.get(k, 0)} {k}" for k in ("matched", "new", "review", "rejected"))
        unchanged = (
            ""
            if upload.created
            else " (continued where it stopped)"
            if continued
            else " (same file as before: nothing changed)"
        )
        self.stdout.write(
            f"{batch.source.name} 第{batch.number}批: {s.get('rows', 0)} rows read, {counts}{unchanged}"
        )

    def _unfinished(self, batch: ListBatch) -> str:
        name = f"{batch.source.name} 第{batch.number}批"
        if batch.status == ListBatch.Status.RUNNING:
            minutes = int(STALE_AFTER.total_seconds() // 60)
            return (
                f"{name} is being linked by another process ({batch.rows_done} of {batch.rows_total} rows, "
                f"last progress {timezone.localtime(batch.updated_at):%Y-%m-%d %H:%M:%S}); if that process "
                f"has stopped, re-run with --resume, or re-run after {minutes} minutes without progress"
            )
        return f"{name} is {batch.status}: re-run with --resume to continue it"

    def _links(self, options: dict[str, Any]) -> None:
        rows = ListRow.objects.select_related("batch__source").order_by(
            "batch__source__name", "batch__number", "row_number"
        )
        if options["source"]:
            rows = rows.filter(batch__source__name=options["source"])
        if options["batch"] is not None:
            rows = rows.filter(batch__number=options["batch"])
        writer = csv.writer(self.stdout if self.stdout else sys.stdout, lineterminator="\n")
        writer.writerow(LINK_COLUMNS)
        for row in rows.iterator(chunk_size=5_000):
            writer.writerow(
                [
                    cell_text(row.batch.source.name),
                    row.batch.number,
                    row.row_number,
                    row.person_id or "",
                    row.decision,
                    "" if row.score is None else f"{row.score:.2f}",
                ]
            )

    def _region(self, code: str) -> Region:
        region = (
            Region.objects.filter(code=code).first()
            if code
            else Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
        )
        if region is None:
            raise CommandError(f"no region {code!r}" if code else "no district: import the region tree first")
        return region

    def _actor(self, region: Region) -> User:
        # Imports from the shell are recorded against the first administrator, or a system account.
        admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
        if admin is not None:
            return admin
        user, _ = User.objects.get_or_create(
            username="system", defaults={"role": Role.ADMIN, "display_name": "系统"}
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        return user
