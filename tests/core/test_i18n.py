"""Chinese is the default; English works and its catalogue is complete and compiled."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

CATALOGUE = Path(__file__).resolve().parents[2] / "epigrid" / "locale" / "en" / "LC_MESSAGES"


def test_default_language_is_chinese(world):
    client = Client()
    client.force_login(world.grid_worker_a)
    body = client.get(reverse("regions:detail", args=[world.grid_a.pk])).content.decode()
    assert '<html lang="zh-CN">' in body
    assert "住户" in body


def test_switching_to_english_translates_the_page(world):
    client = Client()
    client.force_login(world.grid_worker_a)
    url = reverse("regions:detail", args=[world.grid_a.pk])
    response = client.post(reverse("set_language"), {"language": "en", "next": url})
    assert response.status_code == 302
    body = client.get(url).content.decode()
    assert '<html lang="en">' in body
    assert "Households" in body and "住户" not in body


def test_english_catalogue_has_no_untranslated_or_fuzzy_entry():
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    entries = [e for e in text.split("\n\n") if "msgid" in e and 'msgid ""\nmsgstr ""\n"' not in e]
    empty = [e for e in entries if re.search(r'msgstr(\[0\])? ""\s*$', e)]
    assert empty == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext not installed")
def test_compiled_catalogue_is_up_to_date(tmp_path):
    out = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(out), str(CATALOGUE / "django.po")], check=True)
    assert out.read_bytes() == (CATALOGUE / "django.mo").read_bytes()


def test_role_names_translate():
    from epigrid.core.roles import Role

    with translation.override("en"):
        assert str(Role.GRID_WORKER.label) == "Grid worker"
    with translation.override("zh-hans"):
        assert str(Role.GRID_WORKER.label) == "网格员"
