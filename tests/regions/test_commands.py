"""The import_regions and add_user commands."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from epigrid.core.models import User
from epigrid.regions.models import Region


def test_import_regions_from_csv(world, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("code,name,parent_code,level\n420199102,丁镇,420199,town\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_regions", str(path), stdout=out)
    assert out.getvalue().strip() == "regions imported: 1 created, 0 renamed"
    assert Region.objects.get(code="420199102").parent == world.district


def test_import_regions_bad_file_names_rows_and_writes_nothing(world, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("code,name,parent_code,level\n420199102,丁镇,420199,town\n42019910,戊镇,420199,town\n")
    with pytest.raises(CommandError) as exc:
        call_command("import_regions", str(path))
    assert "第3行 第1列（区划代码）：镇/街道的区划代码应为9位" in str(exc.value)
    assert not Region.objects.filter(code="420199102").exists()


def test_add_user_with_role_and_region(world, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    out = io.StringIO()
    call_command(
        "add_user",
        "wang",
        "--role",
        "grid_worker",
        "--region",
        "420199100200001",
        "--password-stdin",
        stdout=out,
    )
    user = User.objects.get(username="wang")
    assert user.check_password("a-long-password")
    assert list(user.assignments.values_list("region__code", flat=True)) == ["420199100200001"]


def test_add_user_refuses_unknown_region(db):
    with pytest.raises(CommandError, match="unknown region codes: 999"):
        call_command("add_user", "x", "--role", "grid_worker", "--region", "999")
    assert not User.objects.filter(username="x").exists()
