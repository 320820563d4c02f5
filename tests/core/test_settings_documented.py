"""Every environment variable the settings read is documented in the README's table."""

from __future__ import annotations

from pathlib import Path

from epigrid.config import VARIABLES

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_variable_is_in_the_readme():
    text = README.read_text(encoding="utf-8")
    missing = [name for name in VARIABLES if f"`{name}`" not in text]
    assert missing == []


def test_config_reads_no_undocumented_variable():
    source = (Path(__file__).resolve().parents[2] / "epigrid" / "config.py").read_text(encoding="utf-8")
    import re

    read = set(re.findall(r'"((?:EPIGRID_|DATABASE_)[A-Z_]+)"', source))
    assert read <= set(VARIABLES)
