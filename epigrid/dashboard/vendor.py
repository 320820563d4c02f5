"""Serve plotly.js from the installed ``plotly`` wheel as the static file ``vendor/plotly.min.js``.

Government intranets have no internet, so the charts cannot load plotly.js from a CDN, and copying a
4.8 MB bundle into the repository would pin it apart from the Python package that carries it. This
staticfiles finder exposes that one file of the wheel; whitenoise (which reads the finders) serves it
compressed with a far-future cache header, and ``collectstatic`` copies it like any other.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage

PREFIX = "vendor"
NAME = "plotly.min.js"
STATIC_PATH = f"{PREFIX}/{NAME}"


def plotly_dir() -> Path | None:
    """The folder of the wheel's plotly.min.js, or None when plotly is not installed."""
    spec = importlib.util.find_spec("plotly")  # located, not imported: plotly itself is not needed
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "package_data"
    return folder if (folder / NAME).is_file() else None


class PlotlyFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        folder = plotly_dir()
        self.storage: FileSystemStorage | None = None
        if folder is not None:
            self.storage = FileSystemStorage(location=str(folder))
            self.storage.prefix = PREFIX  # type: ignore[attr-defined]  # read by collectstatic, whitenoise

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        if self.storage is None:
            return [Error("plotly.min.js not found: install the plotly package", id="epigrid.E101")]
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        if path != STATIC_PATH or self.storage is None:
            return [] if find_all else None
        found = self.storage.path(NAME)
        return [found] if find_all else found

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        if self.storage is not None:
            yield NAME, self.storage
