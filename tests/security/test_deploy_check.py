"""``check --deploy`` with production settings, in a fresh process, as docs/operations.md sets them up.

The production checklist (TLS in front, EPIGRID_HTTPS=1) must pass with no warning at all. A township
PC served over plain HTTP on its intranet (no proxy, no TLS: the operations guide allows it) gets
exactly the four warnings about TLS-only settings, and nothing else.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

HOST = "epigrid.example.gov.cn"
TLS_ONLY = {"security.W004", "security.W008", "security.W012", "security.W016"}


def _check(tmp_path: Path, *, https: bool, fail_level: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "epigrid.settings",
        "EPIGRID_MODE": "production",
        "EPIGRID_SECRET_KEY": "k" * 20 + "7Gq!x2-zP@v9#Lm0$Rt5^Wb8&Yc3*Nd6(Fh1)Jk4",
        "DATABASE_URL": "postgres://epigrid:secret@db.invalid:5432/epigrid",  # never connected to
        "EPIGRID_ALLOWED_HOSTS": HOST,
        "EPIGRID_DATA_DIR": str(tmp_path / "data"),
        **({"EPIGRID_HTTPS": "1", "EPIGRID_CSRF_TRUSTED_ORIGINS": f"https://{HOST}"} if https else {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", fail_level],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_production_checklist_passes_check_deploy_without_a_warning(tmp_path):
    result = _check(tmp_path, https=True, fail_level="WARNING")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr and "ERRORS" not in result.stderr


def test_plain_http_on_an_intranet_warns_only_about_tls(tmp_path):
    result = _check(tmp_path, https=False, fail_level="ERROR")
    assert result.returncode == 0, result.stderr
    assert set(re.findall(r"\((security\.[WE]\d{3})\)", result.stderr)) == TLS_ONLY
