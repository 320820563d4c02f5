"""`epigrid api-token create|list|revoke`: personal API tokens for machine clients."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from epigrid.core.models import ApiToken, User
from epigrid.core.tokens import (
    DEFAULT_DAYS,
    MAX_DAYS,
    MIN_DAYS,
    TokenInvalid,
    TokenState,
    api_token_create,
    api_token_revoke,
    token_state,
)


def _local(at: dt.datetime | None) -> str:
    """A time of the list in the configured time zone (the one the pages show)."""
    return f"{timezone.localtime(at):%Y-%m-%d %H:%M}" if at is not None else ""


class Command(BaseCommand):
    help = "Create (printing the token once), list or revoke personal API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token acting as USER; it is printed once")
        create.add_argument("--user", required=True, help="user name the token acts as")
        create.add_argument("--name", required=True, help="what the token is for, e.g. 区教育局名单推送")
        create.add_argument(
            "--days",
            type=int,
            default=DEFAULT_DAYS,
            help=f"lifetime in days, {MIN_DAYS}-{MAX_DAYS} (default {DEFAULT_DAYS})",
        )
        listing = sub.add_parser("list", help="list tokens (never the secret)")
        listing.add_argument("--user", default="", help="only this user's tokens")
        revoke = sub.add_parser("revoke", help="revoke a token by its id")
        revoke.add_argument("id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user {options['user']!r}")
            if not user.is_active:
                raise CommandError(f"user {user.username!r} is disabled")
            try:
                issued = api_token_create(actor=None, user=user, name=options["name"], days=options["days"])
            except TokenInvalid as exc:
                raise CommandError(" ".join(f"{k or 'token'}: {v}" for k, v in exc.errors.items())) from None
            # The secret goes to stdout alone, so `TOKEN=$(epigrid api-token create ...)` works.
            self.stdout.write(issued.secret)
            self.stderr.write(
                f"token {issued.token.pk} for {user.username} created, expires"
                f" {_local(issued.token.expires_at)}; it is shown only this once"
            )
        elif action == "list":
            tokens = ApiToken.objects.select_related("user").order_by("id")
            if options["user"]:
                tokens = tokens.filter(user__username=options["user"])
            for t in tokens:
                match token_state(t):
                    case TokenState.REVOKED:
                        state = f"revoked {_local(t.revoked_at)}"
                    case TokenState.EXPIRED:
                        state = f"expired {_local(t.expires_at)}"
                    case _:
                        until = _local(t.expires_at) or "no expiry"
                        state = f"active until {until}"
                used = _local(t.last_used_at) or "never"
                self.stdout.write(f"{t.pk}\t{t.prefix}…\t{t.user.username}\t{t.name}\t{state}\tused {used}")
        else:
            token = ApiToken.objects.filter(pk=options["id"]).first()
            if token is None:
                raise CommandError(f"no token {options['id']}")
            api_token_revoke(actor=None, token=token)
            self.stdout.write(f"token {token.pk} ({token.prefix}…) revoked")
