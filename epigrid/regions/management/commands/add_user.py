"""Create or update a user with a role and the regions it works in."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from epigrid.core.models import User
from epigrid.core.roles import Role
from epigrid.regions.models import Region
from epigrid.regions.services import assignment_add


class Command(BaseCommand):
    help = "Create or update a user: epigrid add_user NAME --role grid_worker --region CODE [--region CODE]."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--region", action="append", default=[], help="division code; repeatable")
        parser.add_argument("--display-name", default="")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        codes: list[str] = options["region"]
        regions = list(Region.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {r.code for r in regions})
        if unknown:
            raise CommandError(f"unknown region codes: {', '.join(unknown)}")
        with transaction.atomic():
            user, created = User.objects.get_or_create(username=options["username"])
            user.role = options["role"]
            if options["display_name"]:
                user.display_name = options["display_name"]
            if options["password_stdin"]:
                password = sys.stdin.readline().rstrip("\n")
                if len(password) < 10:
                    raise CommandError("password must have at least 10 characters")
                user.set_password(password)
            elif created:
                user.set_unusable_password()
            user.save()
            for region in regions:
                assignment_add(user=user, region=region)
        verb = "created" if created else "updated"
        self.stdout.write(f"user {user.username} {verb}: {user.role}, {len(regions)} region(s)")
