"""`epigrid report daily`: the town's report as a .docx or an HTML file; bad input is one line, exit 1."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import ManagementUtility, call_command
from django.db import connections
from django.utils import timezone
from docx import Document

from epigrid.core.models import AuditEvent
from epigrid.reports.document_drafts import report_draft_save

PURPOSE = ("--purpose", "报送区指挥部")


@pytest.fixture
def day():
    return timezone.localdate() - dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def keep_connection(monkeypatch):
    """run_from_argv closes every connection when it ends, the test's own on PostgreSQL included."""
    monkeypatch.setattr(connections, "close_all", lambda: None)


def _run(*argv):
    """Run the command as the `epigrid` entry point does (errors become one line and an exit status)."""
    ManagementUtility(["epigrid", "report", *argv, *PURPOSE]).execute()


def test_docx(world, day, tmp_path, capsys):
    out = tmp_path / "report.docx"
    _run(
        "daily", "--region", world.town.code, "--date", day.isoformat(), "--format", "docx", "--out", str(out)
    )
    doc = Document(io.BytesIO(out.read_bytes()))
    assert doc.sections[0].header.paragraphs[0].text.startswith("导出人：")
    assert "报送区指挥部" in doc.sections[0].header.paragraphs[0].text
    assert doc.paragraphs[0].text == f"甲镇关于{day.month}月{day.day}日新冠肺炎\n疫情防控工作进展情况的报告"
    assert "一、防疫情况" in [p.text for p in doc.paragraphs]
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{out}: 甲镇 {day.isoformat()} (docx, ") and line.endswith(
        "generated from the records)"
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.username, event.user, event.detail["format"]) == ("command line", None, "docx")
    assert event.detail["purpose"] == "报送区指挥部"


def test_html_is_a_standalone_page_with_the_saved_draft(world, day, tmp_path):
    report_draft_save(
        actor=world.town_officer, town=world.town, day=day, title="甲镇的报告", addressee="测试区指挥部：",
        signature="甲镇领导小组", sections={"problems": "一是口罩不足。"},
    )  # fmt: skip
    out = tmp_path / "report.html"
    call_command(
        "report",
        "daily",
        "--region",
        world.town.code,
        "--date",
        day.isoformat(),
        "--format",
        "html",
        "--out",
        str(out),
        *PURPOSE,
    )
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in html
    assert "<title>甲镇的报告</title>" in html and "一是口罩不足。" in html
    assert ".paper" in html and "<link" not in html  # the style travels with the file


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--region", "999999999", "--date", "2026-01-01"], "CommandError: no region with code '999999999'"),
        (
            ["--region", "420199100200", "--date", "2026-01-01"],
            "CommandError: 420199100200 (甲村) is not a town or street",
        ),
        (
            ["--region", "420199100", "--date", "2026-02-30"],
            "CommandError: --date '2026-02-30' is not a date (YYYY-MM-DD)",
        ),
        (
            ["--region", "420199100", "--date", "2999-01-01"],
            "CommandError: --date 2999-01-01 is in the future",
        ),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(world, tmp_path, capsys, argv, message):
    out = tmp_path / "r.docx"
    with pytest.raises(SystemExit) as exited:
        _run("daily", *argv, "--out", str(out))
    assert exited.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(message) and "\n" not in err
    assert not out.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_a_purpose_is_required(world, day, tmp_path, capsys):
    out = tmp_path / "r.docx"
    with pytest.raises(SystemExit):
        ManagementUtility(
            ["epigrid", "report", "daily", "--region", world.town.code, "--date", day.isoformat(),
             "--out", str(out), "--purpose", " "]
        ).execute()  # fmt: skip
    assert capsys.readouterr().err.strip().startswith("CommandError: --purpose: ")
    assert not out.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_missing_directory_is_refused(world, day, tmp_path, capsys):
    with pytest.raises(SystemExit):
        _run(
            "daily",
            "--region",
            world.town.code,
            "--date",
            day.isoformat(),
            "--out",
            str(tmp_path / "no" / "r.docx"),
        )
    assert capsys.readouterr().err.strip() == f"CommandError: {tmp_path / 'no'}: no such directory"
