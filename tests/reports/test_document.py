"""The report structure: heading levels read from the text, ordinal lists, edits, JSON round trip."""

from __future__ import annotations

import datetime as dt

import pytest

from epigrid.reports.document import (
    Block,
    Level,
    ReportDocument,
    Section,
    cn_number,
    date_text,
    ordinal_list,
    parse_paragraph,
    split_paragraphs,
)


def _report() -> ReportDocument:
    return ReportDocument(
        title="甲镇关于11月28日新冠肺炎疫情防控工作进展情况的报告",
        addressee="测试区新冠肺炎疫情防控指挥部：",
        sections=(
            Section("opening", "", ("按照……安排部署，现将11月28日甲镇……汇报如下：",)),
            Section("situation", "一、防疫情况", ("截止11月28日18:00，甲镇……",)),
            Section("measures", "二、采取措施", ("（一）强化宣传。张贴通知公告12份。", "（二）联防联控。")),
            Section("problems", "三、存在问题", ("一是防护用品匮乏。",)),
            Section("suggestions", "四、下步建议", ("一是建议统筹采购。",)),
        ),
        signature="甲镇新冠肺炎疫情防控工作领导小组",
        day=dt.date(2026, 11, 28),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一、防疫情况", Block(Level.H1, "一、防疫情况", "")),
        ("十二、其他", Block(Level.H1, "十二、其他", "")),
        ("（一）强化宣传。张贴公告12份。", Block(Level.H2, "（一）强化宣传。", "张贴公告12份。")),
        ("(三)群防群治", Block(Level.H2, "(三)群防群治", "")),
        ("1.甲村。张贴公告", Block(Level.H3, "1.甲村。", "张贴公告")),
        ("2．乙村张贴公告", Block(Level.H3, "2．", "乙村张贴公告")),
        ("（1）喇叭5个", Block(Level.H4, "（1）", "喇叭5个")),
        ("一是防护用品匮乏；二是……", Block(Level.BODY, "", "一是防护用品匮乏；二是……")),
        ("18.5度以下", Block(Level.BODY, "", "18.5度以下")),
        ("  截止11月28日  ", Block(Level.BODY, "", "截止11月28日")),
    ],
)
def test_parse_paragraph_reads_the_heading_level_from_the_numbering(text, expected):
    assert parse_paragraph(text) == expected


def test_a_heading_that_is_one_sentence_is_heading_only():
    block = parse_paragraph("（二）联防联控。")
    assert block.level == Level.H2 and block.heading_only


def test_ordinal_list_numbers_items_as_officials_do():
    assert ordinal_list(["防护用品匮乏。", "聚餐难以避免；"]) == "一是防护用品匮乏；二是聚餐难以避免。"
    assert ordinal_list([]) == ""


def test_cn_number():
    assert [cn_number(n) for n in (1, 9, 10, 11, 20, 23, 99)] == [
        "一",
        "九",
        "十",
        "十一",
        "二十",
        "二十三",
        "九十九",
    ]
    with pytest.raises(ValueError):
        cn_number(100)


def test_date_in_arabic_numerals_without_leading_zeros():
    assert date_text(dt.date(2026, 1, 8)) == "2026年1月8日"


def test_split_paragraphs_drops_blank_lines_and_spaces():
    assert split_paragraphs("  甲\r\n\n乙  \n \n") == ("甲", "乙")


def test_blocks_put_each_heading_before_its_paragraphs():
    blocks = _report().blocks()
    body, h1, h2 = Level.BODY, Level.H1, Level.H2
    assert [b.level for b in blocks] == [body, h1, body, h1, h2, h2, h1, body, h1, body]
    assert blocks[1].lead == "一、防疫情况"


def test_edited_replaces_only_what_is_given_and_keeps_headings():
    report = _report()
    edited = report.edited(title="  新标题 ", sections={"problems": "一是甲。\n\n二是乙。"})
    assert edited.title == "新标题"
    assert edited.section("problems") == Section("problems", "三、存在问题", ("一是甲。", "二是乙。"))
    assert edited.section("measures") == report.section("measures")
    assert edited.addressee == report.addressee and edited.day == report.day


def test_json_round_trip():
    report = _report()
    assert ReportDocument.from_json(report.to_json()) == report


def test_plain_text_has_every_part_in_order():
    text = _report().plain_text().split("\n")
    assert text[0].startswith("甲镇关于") and text[1].endswith("指挥部：")
    assert text[-2:] == ["甲镇新冠肺炎疫情防控工作领导小组", "2026年11月28日"]
    assert "（一）强化宣传。张贴通知公告12份。" in text
