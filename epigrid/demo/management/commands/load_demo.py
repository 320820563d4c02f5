"""Load the synthetic demo district (regions, households, people) into the database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from epigrid.demo.generator import DEFAULT_SEED, DEFAULT_SIZE, SIZES, DemoDistrictExistsError, generate
from epigrid.regions.models import Region


class Command(BaseCommand):
    help = (
        "Load the synthetic demo district: small (5,000 people, the default), district (300,000) or "
        "city (1,000,000). Same size and seed, same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--size",
            choices=list(SIZES),
            default=DEFAULT_SIZE,
            help=f"how many people (default {DEFAULT_SIZE})",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the database already has regions (what `epigrid demo` uses)",
        )
        parser.add_argument(
            "--yes", action="store_true", help="add the demo district to a database that already has regions"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        size: str = options["size"]
        existing = Region.objects.count()
        if existing and options["if_empty"]:
            self.stdout.write(f"demo district not loaded: the database already has {existing} regions")
            return
        if existing and not options["yes"]:
            raise CommandError(
                f"the database already has {existing} regions: pass --yes to add the demo district to them, "
                "or --if-empty to skip (nothing is deleted either way)"
            )
        progress = self.stdout.write if options["verbosity"] > 1 else None
        try:
            summary = generate(size=size, seed=options["seed"], progress=progress)
        except (ValueError, DemoDistrictExistsError) as exc:
            raise CommandError(str(exc)) from None
        rate = summary.people / summary.seconds if summary.seconds else 0.0
        self.stdout.write(
            f"demo district loaded: {summary.regions} regions, {summary.households} households, "
            f"{summary.people} people in {summary.seconds:.1f} s ({rate:,.0f} people/s), "
            f"{summary.visits} door-to-door visits in {summary.visit_seconds:.1f} s"
        )
