"""Render the .docx with LibreOffice and poppler: A4 pages, 22 lines of 28 characters, page numbers.

LibreOffice (`soffice --headless --convert-to pdf`) lays the document out the way an office PC would;
`pdftotext -bbox-layout` gives every line's position, `pdftoppm` a page image for people to look at
(test-artifacts/screenshots/report-page-1.png). The fonts the document names are not installed, so
fontconfig maps them to Noto CJK (serif for 仿宋, 楷体 and 小标宋, sans for 黑体), as Word would
substitute on a machine without them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest

from epigrid.reports.document import ReportDocument, Section
from epigrid.reports.document_docx import write_docx

pytestmark = pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice (soffice, Debian libreoffice-writer-nogui) is not installed",
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PT_PER_MM = 72 / 25.4
FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  {aliases}
</fontconfig>
"""
SUBSTITUTES = {
    "仿宋_GB2312": "Noto Serif CJK SC",
    "楷体_GB2312": "Noto Serif CJK SC",
    "方正小标宋简体": "Noto Serif CJK SC",
    "宋体": "Noto Serif CJK SC",
    "黑体": "Noto Sans CJK SC",
}
# 28 characters without punctuation: a full line of it is exactly one line of the grid.
LINE = "各村网格员每天早晚两次入户测量体温并及时上报镇防控指挥部"
assert len(LINE) == 28


def _report() -> ReportDocument:
    return ReportDocument(
        title="甲镇关于11月28日新冠肺炎疫情防控工作进展情况的报告",
        addressee="测试区新冠肺炎疫情防控指挥部：",
        sections=(
            Section(
                "opening",
                "",
                (
                    "按照测试区新冠肺炎疫情防控指挥部安排部署，现将11月28日甲镇新冠肺炎疫情防控工作进展情况汇报如下：",
                ),
            ),
            Section(
                "situation",
                "一、防疫情况",
                ("截止11月28日18:00，甲镇共排查由区教育局反馈湖北方向返乡人员2批次35人。",),
            ),
            Section(
                "measures", "二、采取措施", ("（一）强化宣传。" + LINE * 20, "（二）群防群治。" + LINE * 20)
            ),
            Section("problems", "三、存在问题", ("一是防护用品严重匮乏；二是人员聚餐难以避免。",)),
            Section("suggestions", "四、下步建议", ("一是建议区政府统筹采购防护用品。",)),
        ),
        signature="甲镇新冠肺炎疫情防控工作领导小组",
        day=dt.date(2026, 11, 28),
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Convert the report once: the .docx, its PDF and the first page as PNG."""
    work = tmp_path_factory.mktemp("render")
    docx = work / "report.docx"
    docx.write_bytes(write_docx(_report()))
    aliases = "".join(
        f'<alias binding="same"><family>{name}</family><prefer><family>{font}</family></prefer></alias>'
        for name, font in SUBSTITUTES.items()
    )
    (work / "fonts.conf").write_text(FONTS_CONF.format(aliases=aliases), encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "FONTCONFIG_FILE": str(work / "fonts.conf")}
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{work}/profile", "--headless", "--convert-to", "pdf",
         "--outdir", str(work), str(docx)],
        check=True, env=env, timeout=240, capture_output=True,
    )  # fmt: skip
    pdf = work / "report.pdf"
    assert pdf.exists(), "LibreOffice wrote no PDF"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(work / "page")],
        check=True,
        timeout=60,
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(work / "page.png", ARTIFACTS / "report-page-1.png")
    return work


def _lines(pdf: Path, page: int) -> list[tuple[float, float, float, str]]:
    """Return each text line of a page as (x min, y min, x max, text), top to bottom, in points."""
    xhtml = subprocess.run(
        ["pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout  # fmt: skip
    root = ElementTree.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", xhtml))  # noqa: S314 (poppler's own output)
    lines = []
    for line in root.iter("{http://www.w3.org/1999/xhtml}line"):
        words = "".join(w.text or "" for w in line.iter("{http://www.w3.org/1999/xhtml}word"))
        lines.append((float(line.get("xMin")), float(line.get("yMin")), float(line.get("xMax")), words))
    return sorted(lines, key=lambda line: line[1])


def test_pages_are_a4(rendered):
    info = subprocess.run(
        ["pdfinfo", str(rendered / "report.pdf")], check=True, capture_output=True, text=True
    ).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert size is not None
    assert (float(size[1]), float(size[2])) == pytest.approx((210 * PT_PER_MM, 297 * PT_PER_MM), abs=1)
    assert int(re.search(r"Pages:\s+(\d+)", info)[1]) >= 2


def test_the_title_breaks_between_words(rendered):
    lines = [line[3] for line in _lines(rendered / "report.pdf", 1)]
    assert lines[:2] == ["甲镇关于11月28日新冠肺炎", "疫情防控工作进展情况的报告"]


def test_text_is_there_in_order(rendered):
    text = subprocess.run(
        ["pdftotext", str(rendered / "report.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    parts = (
        "甲镇关于11月28日新冠肺炎疫情防控",
        "测试区新冠肺炎疫情防控指挥部：",
        "一、防疫情况",
        "（一）强化宣传。",
    )
    parts += ("四、下步建议", "甲镇新冠肺炎疫情防控工作领导小组", "2026年11月28日")
    for part in parts:
        assert part in flat
    assert (
        flat.index("一、防疫情况")
        < flat.index("二、采取措施")
        < flat.index("三、存在问题")
        < flat.index("四、下步建议")
    )


def test_a_full_page_is_22_lines_of_28_characters_inside_the_text_block(rendered):
    lines = _lines(rendered / "report.pdf", 2)
    block_bottom = (297 - 35) * PT_PER_MM
    body = [line for line in lines if line[1] < block_bottom]
    assert len(body) == 22
    pitches = [b[1] - a[1] for a, b in itertools.pairwise(body)]
    assert pitches == pytest.approx([225 * PT_PER_MM / 22] * 21, abs=0.3)
    # The first line's glyphs sit inside the first grid line under the top margin, the last line's
    # inside the last one above the bottom margin.
    top, pitch = 37 * PT_PER_MM, 225 * PT_PER_MM / 22
    assert top <= body[0][1] <= top + pitch - 16
    assert block_bottom - pitch <= body[-1][1] <= block_bottom - 16
    assert min(line[0] for line in body) == pytest.approx(28 * PT_PER_MM, abs=1.5)
    assert max(line[2] for line in body) <= (210 - 26) * PT_PER_MM + 1
    full = [line[3] for line in body if set(line[3]) <= set(LINE) and len(line[3]) >= 20]
    assert full and all(len(text) == 28 for text in full)


def test_page_numbers_odd_on_the_right_even_on_the_left(rendered):
    block_bottom = (297 - 35) * PT_PER_MM
    for page, side in ((1, "right"), (2, "left")):
        footer = [line for line in _lines(rendered / "report.pdf", page) if line[1] > block_bottom]
        assert len(footer) == 1
        x_min, y_min, x_max, text = footer[0]
        assert text == f"—{page}—"
        if side == "right":
            assert x_max == pytest.approx((210 - 26) * PT_PER_MM - 14, abs=3)  # one 4号 character in
        else:
            assert x_min == pytest.approx(28 * PT_PER_MM + 14, abs=3)
        assert y_min - block_bottom == pytest.approx(7 * PT_PER_MM, abs=8)


def test_first_page_image(rendered):
    png = (rendered / "page.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == pytest.approx((210 / 25.4 * 60, 297 / 25.4 * 60), abs=1)  # A4 at 60 dpi
