"""The .docx follows GB/T 9704-2012: page, margins, grid, fonts, sizes, indents, signature, page numbers."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from epigrid.reports.document import ReportDocument, Section
from epigrid.reports.document_docx import display_width, signature_indents, write_docx

TWIPS_PER_MM = 1440 / 25.4


def _report(**changes) -> ReportDocument:
    fields = {
        "title": "甲镇关于11月28日新冠肺炎疫情防控工作进展情况的报告",
        "addressee": "测试区新冠肺炎疫情防控指挥部：",
        "sections": (
            Section("opening", "", ("按照测试区新冠肺炎疫情防控指挥部安排部署，现将情况汇报如下：",)),
            Section("situation", "一、防疫情况", ("截止11月28日18:00，甲镇共排查返乡人员35人。",)),
            Section(
                "measures",
                "二、采取措施",
                ("（一）强化宣传。张贴通知公告12份。", "1.甲村。", "（1）喇叭5个。"),
            ),
            Section("problems", "三、存在问题", ("一是防护用品匮乏。",)),
            Section("suggestions", "四、下步建议", ("一是建议统筹采购。",)),
        ),
        "signature": "甲镇新冠肺炎疫情防控工作领导小组",
        "day": dt.date(2026, 11, 28),
    }
    fields.update(changes)
    return ReportDocument(**fields)


@pytest.fixture(scope="module")
def doc():
    return Document(io.BytesIO(write_docx(_report())))


def _para(doc, text):
    for paragraph in doc.paragraphs:
        if paragraph.text == text or paragraph.text.startswith(text):
            return paragraph
    raise AssertionError(f"no paragraph {text!r}")


def _fonts(run):
    fonts = run._r.rPr.find(qn("w:rFonts"))
    return fonts.get(qn("w:eastAsia")), fonts.get(qn("w:ascii"))


def _size_pt(run):
    return (
        run._r.rPr.find(qn("w:sz")).get(qn("w:val")) and int(run._r.rPr.find(qn("w:sz")).get(qn("w:val"))) / 2
    )


def _ind(paragraph, name):
    ind = paragraph._p.pPr.find(qn("w:ind"))
    return None if ind is None else ind.get(qn(name))


def test_page_is_a4_with_the_standard_margins(doc):
    sect = doc.sections[0]._sectPr
    size, margins = sect.find(qn("w:pgSz")), sect.find(qn("w:pgMar"))
    assert (int(size.get(qn("w:w"))), int(size.get(qn("w:h")))) == (11906, 16838)  # 210 x 297 mm
    mm = {
        side: int(margins.get(qn(f"w:{side}"))) / TWIPS_PER_MM for side in ("top", "bottom", "left", "right")
    }
    assert mm == pytest.approx({"top": 37, "bottom": 35, "left": 28, "right": 26}, abs=0.05)
    width = (11906 - int(margins.get(qn("w:left"))) - int(margins.get(qn("w:right")))) / TWIPS_PER_MM
    height = (16838 - int(margins.get(qn("w:top"))) - int(margins.get(qn("w:bottom")))) / TWIPS_PER_MM
    assert (round(width), round(height)) == (156, 225)


def test_grid_is_22_lines_of_28_characters(doc):
    grid = doc.sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    pitch, space = int(grid.get(qn("w:linePitch"))), int(grid.get(qn("w:charSpace")))
    block_twips = 225 * TWIPS_PER_MM
    assert 22 * pitch <= block_twips < 23 * pitch
    char_pt = 16 + space / 4096  # the grid's character pitch from the 3号 default size
    assert 28 * char_pt <= 156 * 72 / 25.4 < 29 * char_pt
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:sz")).get(qn("w:val")) == "32"  # the size charSpace is counted from


def test_body_lines_are_one_grid_line_and_condensed_to_28_per_line(doc):
    normal = doc.styles["Normal"]
    spacing = normal.element.pPr.find(qn("w:spacing"))
    assert spacing.get(qn("w:lineRule")) == "exact" and spacing.get(qn("w:line")) == "579"
    body = _para(doc, "截止11月28日")
    run = body.runs[0]
    condense = int(run._r.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20  # points
    assert 28 * (16 + condense) <= 156 * 72 / 25.4 < 29 * (16 + condense)


def test_title_is_2hao_xiaobiaosong_centred(doc):
    title = doc.paragraphs[0]
    assert title.text.startswith("甲镇关于")
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert _fonts(title.runs[0])[0] == "方正小标宋简体"
    assert _size_pt(title.runs[0]) == 22


def test_body_is_3hao_fangsong_indented_two_characters(doc):
    body = _para(doc, "截止11月28日")
    assert _fonts(body.runs[0]) == ("仿宋_GB2312", "Times New Roman")
    assert _size_pt(body.runs[0]) == 16
    assert _ind(body, "w:firstLineChars") == "200"
    assert int(_ind(body, "w:firstLine")) == pytest.approx(2 * 156 / 28 * TWIPS_PER_MM, abs=2)
    normal_fonts = doc.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal_fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert normal_fonts.get(qn("w:asciiTheme")) is None  # a theme font would override the names


def test_heading_levels_use_heiti_kaiti_then_the_body_font(doc):
    h1 = _para(doc, "一、防疫情况")
    assert [_fonts(r)[0] for r in h1.runs] == ["黑体"]
    assert h1._p.pPr.find(qn("w:outlineLvl")).get(qn("w:val")) == "0"
    h2 = _para(doc, "（一）强化宣传。")
    assert [(r.text, _fonts(r)[0]) for r in h2.runs] == [
        ("（一）强化宣传。", "楷体_GB2312"),
        ("张贴通知公告12份。", "仿宋_GB2312"),
    ]
    assert all(_size_pt(r) == 16 for r in h1.runs + h2.runs)
    assert {_fonts(r)[0] for r in _para(doc, "1.甲村").runs + _para(doc, "（1）喇叭").runs} == {"仿宋_GB2312"}
    assert _ind(h1, "w:firstLineChars") == "200" and _ind(h2, "w:firstLineChars") == "200"


def test_addressee_starts_at_the_margin(doc):
    addressee = _para(doc, "测试区新冠肺炎疫情防控指挥部：")
    assert _ind(addressee, "w:firstLineChars") == "0"


def test_signature_and_date_right_aligned_the_date_two_characters_in(doc):
    signature = _para(doc, "甲镇新冠肺炎疫情防控工作领导小组")
    date = doc.paragraphs[-1]
    assert date.text == "2026年11月28日"
    assert signature.alignment == date.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    sig_right, date_right = int(_ind(signature, "w:rightChars")), int(_ind(date, "w:rightChars"))
    assert sig_right == 200
    # The date's first character sits two characters right of the signature's first character.
    assert (sig_right / 100 + 16) - (date_right / 100 + display_width("2026年11月28日")) == 2
    assert doc.paragraphs[-3].text == ""  # one empty line above the signature


def test_signature_indents_when_the_date_is_longer_than_the_signature():
    sig, date = signature_indents("甲镇", "2026年11月28日")
    assert date == 2
    assert (sig + display_width("甲镇")) - (date + display_width("2026年11月28日")) == 2


def test_page_numbers_4hao_odd_right_even_left(doc):
    assert doc.settings.odd_and_even_pages_header_footer
    section = doc.sections[0]
    for footer, side, align in (
        (section.footer, "w:right", WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, "w:left", WD_ALIGN_PARAGRAPH.LEFT),
    ):
        paragraph = footer.paragraphs[0]
        assert paragraph.alignment == align
        assert _ind(paragraph, side) == "280"  # one 4号 character in from the edge
        xml = paragraph._p.xml
        assert "PAGE" in xml and 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
        assert {_size_pt(r) for r in paragraph.runs} == {14}


def test_properties_name_the_report():
    doc = Document(io.BytesIO(write_docx(_report(title="乙街道关于1月8日的报告"))))
    assert doc.core_properties.title == "乙街道关于1月8日的报告"
    assert doc.core_properties.language == "zh-CN"


def test_a_long_title_breaks_between_words_into_even_lines(doc):
    from epigrid.reports.document_docx import title_lines

    assert title_lines("红柳镇关于11月28日新冠肺炎疫情防控工作进展情况的报告") == [
        "红柳镇关于11月28日新冠肺炎",
        "疫情防控工作进展情况的报告",
    ]
    assert title_lines("甲镇关于工作进展情况的报告") == ["甲镇关于工作进展情况的报告"]  # fits one line
    unbreakable = "一二三四五六七八九十" * 3
    assert title_lines(unbreakable) == [unbreakable]  # no word boundary known: Word wraps it
    title = doc.paragraphs[0]
    assert [r.text for r in title.runs] == ["甲镇关于11月28日新冠肺炎", "\n", "疫情防控工作进展情况的报告"]
    assert title.runs[1]._r.find(qn("w:br")) is not None
