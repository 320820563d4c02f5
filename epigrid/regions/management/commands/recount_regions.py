"""Recompute every region's person and household counts from the rows."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from epigrid.regions.services import region_counts_rebuild


class Command(BaseCommand):
    help = "Recompute every region's person and household counts from the rows (after bulk loads or doubts)."

    def handle(self, *args: Any, **options: Any) -> None:
        changed = region_counts_rebuild()
        self.stdout.write(f"region counts rebuilt: {changed} regions changed")
