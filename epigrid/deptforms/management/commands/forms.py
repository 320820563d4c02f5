"""`epigrid forms list` and
`epigrid forms export NAME --region CODE --date DAY --purpose TEXT --out FILE.xlsx`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from epigrid.core.models import User
from epigrid.core.roles import Role
from epigrid.deptforms.models import FormTemplate
from epigrid.deptforms.services import FormError, form_export
from epigrid.regions.models import Region
from epigrid.regions.scope import scope_for


class Command(BaseCommand):
    help = "List the department forms, or export one as xlsx for a region and day."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="print name, version, kind and title of every form")
        exp = sub.add_parser("export", help="write NAME for a region subtree and day to an xlsx file")
        exp.add_argument("name", help="the form's code, e.g. returnee-register (see `epigrid forms list`)")
        exp.add_argument("--region", required=True, help="division code of the region, e.g. 420199100")
        exp.add_argument("--date", required=True, help="report day YYYY-MM-DD (not in the future)")
        exp.add_argument("--out", required=True, type=Path, help="the .xlsx file to write")
        exp.add_argument(
            "--purpose", required=True, help="导出用途: why the data is exported (2-200 characters; audited)"
        )
        exp.add_argument(
            "--user",
            default="",
            help="export as this account (scope and masking); default: an HQ of the region",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for form in FormTemplate.objects.order_by("-builtin", "name"):
                where = "builtin" if form.builtin else (form.region.code if form.region else "")
                self.stdout.write(f"{form.name}\tv{form.version}\t{form.kind}\t{where}\t{form.title}")
            return
        self._export(options)

    def _export(self, options: dict[str, Any]) -> None:
        form = FormTemplate.objects.filter(name=options["name"]).first()
        if form is None:
            raise CommandError(f"no form {options['name']!r}: see `epigrid forms list`")
        region = Region.objects.filter(code=options["region"]).first()
        if region is None:
            raise CommandError(f"no region with code {options['region']!r}")
        try:
            day = dt.date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError(f"bad date {options['date']!r}: use YYYY-MM-DD") from None
        user = self._user(options["user"], region)
        out: Path = options["out"]
        if out.suffix.lower() != ".xlsx":
            raise CommandError(f"{out}: the output file must end in .xlsx")
        try:
            with out.open("wb") as stream:
                result = form_export(
                    actor=user, form=form, region=region, day=day, out=stream, purpose=options["purpose"]
                )
        except Http404:
            out.unlink(missing_ok=True)
            raise CommandError(
                f"region {region.code} is outside the scope of user {user.username!r}"
            ) from None
        except FormError as exc:
            out.unlink(missing_ok=True)
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{out}: {form.name} v{result.version}, {region.name}, {day}, {result.rows} rows")

    def _user(self, username: str, region: Region) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"no active user {username!r}")
            return user
        for user in User.objects.filter(role=Role.DISTRICT_HQ, is_active=True).order_by("pk"):
            if scope_for(user).contains(region):
                return user
        raise CommandError(f"no district HQ account covers region {region.code}: pass --user")
