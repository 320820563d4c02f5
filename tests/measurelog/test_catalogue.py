"""The measures log's English catalogue (epigrid/measurelog/locale): complete, compiled, and in use."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

from epigrid.measurelog.models import ENTRY_KINDS
from epigrid.measurelog.services import COUNT_NOT_WHOLE, REGION_NOT_A_UNIT

CATALOGUE = Path(__file__).resolve().parents[2] / "epigrid" / "measurelog" / "locale" / "en" / "LC_MESSAGES"


def test_no_entry_is_untranslated_or_fuzzy():
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    entries = [e for e in text.split("\n\n") if "msgid" in e and 'msgid ""\nmsgstr ""\n"' not in e]
    assert entries and [e for e in entries if re.search(r'msgstr ""\s*$', e)] == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext not installed")
def test_the_compiled_catalogue_is_up_to_date(tmp_path):
    out = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(out), str(CATALOGUE / "django.po")], check=True)
    assert out.read_bytes() == (CATALOGUE / "django.mo").read_bytes()


def test_every_kind_and_refusal_reads_in_english():
    with translation.override("en"):
        labels = [str(label) for label in ENTRY_KINDS.values()]
        assert all(re.fullmatch(r"[A-Za-z ,]+", label) for label in labels), labels
        assert str(COUNT_NOT_WHOLE) == "The count must be a positive whole number."
        assert str(REGION_NOT_A_UNIT).startswith("Measures are logged for")
