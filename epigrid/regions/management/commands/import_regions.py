"""Import a region tree (CSV/xlsx) or boundaries (GeoJSON) from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from epigrid.regions.importers import RegionFileError, parse_boundaries, parse_region_table, read_table
from epigrid.regions.models import Region
from epigrid.regions.services import region_boundaries_import, region_tree_import


class Command(BaseCommand):
    help = "Import regions from CSV/xlsx (code, name, parent_code, level) or boundaries from GeoJSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a .csv/.xlsx region table or a .geojson boundary file")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        content = path.read_bytes()
        try:
            if path.suffix.lower() in (".geojson", ".json"):
                codes = set(Region.objects.values_list("code", flat=True))
                n = region_boundaries_import(actor=None, rows=parse_boundaries(content, known_codes=codes))
                self.stdout.write(f"boundaries imported: {n}")
                return
            existing = dict(Region.objects.values_list("code", "level"))
            rows = parse_region_table(read_table(content, path.name), existing=existing)
        except RegionFileError as exc:
            # Every problem on its own line, then a non-zero exit: nothing was written.
            raise CommandError("\n".join([f"{path.name}: nothing imported", *exc.errors])) from None
        summary = region_tree_import(actor=None, rows=rows)
        self.stdout.write(f"regions imported: {summary.created} created, {summary.updated} renamed")
