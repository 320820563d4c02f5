"""`epigrid report daily --region CODE --date YYYY-MM-DD --format docx|html --out FILE`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.loader import render_to_string
from django.utils import translation

from epigrid.core.clock import local_today
from epigrid.privacy.exports import PurposeError, purpose_clean, stamp_for, watermark_docx
from epigrid.regions.models import Level, Region
from epigrid.reports.document import ReportDocument
from epigrid.reports.document_docx import title_lines, write_docx
from epigrid.reports.document_drafts import document_state, report_export_log

FORMATS = ("docx", "html")


class Command(BaseCommand):
    help = "Write a town's or street's daily work report as a .docx (GB/T 9704-2012) or an HTML file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        daily = sub.add_parser("daily", help="the daily work report of a town or street")
        daily.add_argument(
            "--region", required=True, help="division code of the town or street, e.g. 420199100"
        )
        daily.add_argument("--date", required=True, help="the report day, YYYY-MM-DD (today or earlier)")
        daily.add_argument("--format", choices=FORMATS, default="docx", help="docx (default) or html")
        daily.add_argument("--out", required=True, type=Path, help="the file to write")
        daily.add_argument(
            "--purpose", required=True, help="why it is exported (导出用途, 2-200 characters), audited"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        town = self._town(options["region"])
        day = self._day(options["date"])
        out: Path = options["out"]
        if not out.parent.is_dir():
            raise CommandError(f"{out.parent}: no such directory")
        try:
            stamp = stamp_for(None, purpose_clean(options["purpose"]))
        except PurposeError as exc:
            raise CommandError(f"--purpose: {exc}") from None
        state = document_state(town=town, day=day)
        fmt = options["format"]
        if fmt == "docx":
            content = watermark_docx(write_docx(state.report), stamp)
        else:
            content = self._html(state.report).encode("utf-8")
        out.write_bytes(content)
        report_export_log(actor=None, town=town, day=day, fmt=fmt, state=state, stamp=stamp)
        kind = "issued" if state.issued else "draft" if state.draft else "generated from the records"
        self.stdout.write(f"{out}: {town.name} {day.isoformat()} ({fmt}, {len(content):,} bytes, {kind})")

    def _town(self, code: str) -> Region:
        region = Region.objects.filter(code=code.strip()).first()
        if region is None:
            raise CommandError(f"no region with code {code!r}")
        if region.level != Level.TOWN:
            raise CommandError(
                f"{code} ({region.name}) is not a town or street: the report is a town's or street's"
            )
        return region

    def _day(self, value: str) -> dt.date:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--date {value!r} is not a date (YYYY-MM-DD)") from None
        if day > local_today():
            raise CommandError(f"--date {value} is in the future: a report is written for today or earlier")
        return day

    def _html(self, report: ReportDocument) -> str:
        """Render a standalone page (the preview's style inlined: the file is read without the server)."""
        css_path = finders.find("reports/document.css")
        css = Path(str(css_path)).read_text(encoding="utf-8") if css_path else ""
        with translation.override("zh-hans"):
            return render_to_string(
                "reports/document_file.html",
                {
                    "report": report,
                    "blocks": report.blocks(),
                    "title_lines": title_lines(report.title),
                    "css": css,
                },
            )
