"""`epigrid forms list` and `epigrid forms export`: a file for a region and day, one line on bad input."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from epigrid.core.models import AuditEvent


def test_list_prints_every_form(world):
    out = StringIO()
    call_command("forms", "list", stdout=out)
    lines = out.getvalue().splitlines()
    assert any(line.startswith("returnee-register\tv1\tpeople\tbuiltin\t返乡人员登记表") for line in lines)
    assert len(lines) == 6


def test_export_writes_the_file_as_the_district_hq_by_default(world, records, tmp_path):
    target = tmp_path / "returnees.xlsx"
    out = StringIO()
    day = timezone.localdate().isoformat()
    call_command("forms", "export", "returnee-register", "--region", world.town.code, "--date", day,
                 "--out", str(target), "--purpose", "报送上级指挥部", stdout=out)  # fmt: skip
    assert out.getvalue().strip() == f"{target}: returnee-register v1, 甲镇, {day}, 1 rows"
    ws = load_workbook(target).active
    assert ws["A1"].value == "返乡人员登记表"
    assert AuditEvent.objects.get(object_type="dept_form").user == world.hq


def test_export_as_a_user_masks_for_that_user(world, records, tmp_path):
    target = tmp_path / "r.xlsx"
    call_command("forms", "export", "returnee-register", "--region", world.town.code,
                 "--date", timezone.localdate().isoformat(), "--out", str(target), "--user", "town",
                 "--purpose", "报送上级指挥部", stdout=StringIO())  # fmt: skip
    assert world.zhang.id_number in str(
        [c.value for row in load_workbook(target).active.iter_rows() for c in row]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-form", "--region", "420199", "--date", "2020-02-01"], "no form 'no-such-form'"),
        (["health-daily", "--region", "999999", "--date", "2020-02-01"], "no region with code '999999'"),
        (["health-daily", "--region", "420199", "--date", "2020-02-31"], "bad date '2020-02-31'"),
        (["health-daily", "--region", "420188", "--date", "2020-02-01", "--user", "hq"], "outside the scope"),
        (["health-daily", "--region", "420199", "--date", "2020-02-01", "--user", "ghost"], "no active user"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(world, tmp_path, args, message):
    target = tmp_path / "x.xlsx"
    with pytest.raises(CommandError, match=message):
        call_command("forms", "export", *args, "--out", str(target), "--purpose", "核查", stdout=StringIO())
    assert not target.exists()


def test_a_future_day_is_refused(world, tmp_path):
    target = tmp_path / "x.xlsx"
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    with pytest.raises(CommandError, match="不能导出未来日期的表格"):
        call_command("forms", "export", "health-daily", "--region", "420199", "--date", tomorrow,
                     "--out", str(target), "--purpose", "核查", stdout=StringIO())  # fmt: skip
    assert not target.exists()
