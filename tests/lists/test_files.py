"""Recognising list files and reading their cells as text (epigrid.lists.files)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import pytest

from epigrid.lib.idcard import ERR_EXCEL_DAMAGED, looks_excel_damaged, parse_id
from epigrid.lists.files import (
    ERR_CORRUPT,
    ERR_EMPTY,
    ERR_EMPTY_FILE,
    ERR_ENCODING,
    ERR_ENCRYPTED,
    ERR_HTML_DISGUISED,
    ERR_NOT_SPREADSHEET,
    ERR_TOO_LARGE,
    WARN_OTHER_SHEETS,
    ListFileError,
    read_table,
    sniff,
)
from epigrid.lists.reader import (
    read_list,
)
from tests.lists import make_files as mf
from tests.lists.make_files import HEADER, LIMIT, TITLE, ZHANG, refused

# --- What kind of file ----------------------------------------------------------------------------


def test_sniff_recognises_the_three_kinds():
    assert sniff(mf.xlsx([HEADER]), "a.xlsx", max_bytes=LIMIT) == "xlsx"
    assert sniff(mf.xls([HEADER]), "a.xls", max_bytes=LIMIT) == "xls"
    assert sniff(mf.csv_bytes([HEADER]), "a.csv", max_bytes=LIMIT) == "csv"
    assert sniff(mf.csv_bytes([HEADER], encoding="gbk"), "a.csv", max_bytes=LIMIT) == "csv"


def test_the_content_decides_not_the_extension():
    assert sniff(mf.xlsx([HEADER]), "名单.xls", max_bytes=LIMIT) == "xlsx"
    assert sniff(mf.csv_bytes([HEADER]), "名单.xlsx", max_bytes=LIMIT) == "csv"


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "名单.xlsx", ERR_EMPTY_FILE),
        (mf.PDF, "名单.pdf", ERR_NOT_SPREADSHEET),
        (mf.PDF, "名单.xlsx", ERR_NOT_SPREADSHEET),
        (mf.PNG, "名单.png", ERR_NOT_SPREADSHEET),
        (mf.word_doc(), "名单.doc", ERR_NOT_SPREADSHEET),
        (mf.zip_of({"word/document.xml": b"<w:document/>"}), "名单.docx", ERR_NOT_SPREADSHEET),
        (mf.zip_of({"xl/workbook.bin": b"\x00"}), "名单.xlsb", ERR_NOT_SPREADSHEET),
        (mf.xlsx([HEADER])[:300], "名单.xlsx", ERR_CORRUPT),  # cut short in transfer
        (bytes(range(256)) * 4, "名单.xlsx", ERR_CORRUPT),
        (bytes(range(256)) * 4, "名单.dat", ERR_NOT_SPREADSHEET),
        (mf.HTML_XLS.encode(), "名单.xls", ERR_HTML_DISGUISED),
        (
            b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
            "a.xls",
            ERR_HTML_DISGUISED,
        ),
        (mf.encrypted_xlsx(), "名单.xlsx", ERR_ENCRYPTED),
        (mf.xls([HEADER], password=True), "名单.xls", ERR_ENCRYPTED),
    ],
)
def test_sniff_refuses_what_is_not_a_readable_list(content, filename, message):
    with pytest.raises(ListFileError) as caught:
        sniff(content, filename, max_bytes=LIMIT)
    assert caught.value.message == message
    assert str(caught.value) == message


def test_encrypted_office_file_is_recognised_from_the_raw_bytes():
    # Not even a valid compound file: the magic and the UTF-16LE stream name are enough.
    content = mf.CFB_MAGIC + bytes(600) + "EncryptedPackage".encode("utf-16-le") + bytes(100)

    with pytest.raises(ListFileError) as caught:
        sniff(content, "名单.xlsx", max_bytes=LIMIT)

    assert caught.value.message == ERR_ENCRYPTED


def test_stream_name_in_ascii_is_not_mistaken_for_encryption():
    content = mf.cfb({"Workbook": b"EncryptedPackage"})

    assert sniff(content, "名单.xls", max_bytes=LIMIT) == "xls"


def test_file_over_the_limit_is_refused_before_it_is_read():
    content = mf.csv_bytes([HEADER, *[ZHANG] * 100])

    with pytest.raises(ListFileError) as caught:
        sniff(content, "名单.csv", max_bytes=1024)

    assert caught.value.message == ERR_TOO_LARGE.format(limit="1KB")
    assert sniff(content, "名单.csv", max_bytes=len(content)) == "csv"


@pytest.mark.parametrize(
    ("limit", "text"), [(20 * 1024 * 1024, "20MB"), (1536 * 1024, "1.5MB"), (500, "500字节")]
)
def test_size_limit_is_shown_in_human_units(limit, text):
    with pytest.raises(ListFileError) as caught:
        sniff(b"x" * (limit + 1), "名单.csv", max_bytes=limit)
    assert caught.value.message == ERR_TOO_LARGE.format(limit=text)


def test_xlsx_that_would_unpack_to_far_more_than_the_limit_is_refused():
    bomb = mf.zip_of({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": bytes(2_000_000)})
    assert len(bomb) < 10_000

    with pytest.raises(ListFileError) as caught:
        sniff(bomb, "名单.xlsx", max_bytes=10_000)

    assert caught.value.message == ERR_TOO_LARGE.format(limit="9.8KB")


def test_csv_in_an_unknown_encoding_is_refused():
    content = "姓名,身份证号\n".encode("utf-16-le")  # no BOM: NUL bytes everywhere
    assert refused(content, "名单.csv") == ERR_NOT_SPREADSHEET
    assert refused(b"\x81\x30\xff\xfe\xfd," * 10, "名单.csv") == ERR_ENCODING


# --- Cells as text --------------------------------------------------------------------------------


def test_xlsx_cells_come_back_as_the_text_excel_shows():
    header = ["整数", "手机", "旧身份证", "损坏的身份证", "日期", "时间", "是否", "体温", "浮点误差", "大数"]
    values = [123, 13800138000, 420106800101123, 4.20106198001011e17, date(2020, 1, 23)]
    values += [datetime(2020, 1, 23, 14, 30), True, 36.5, 0.1 + 0.2, 1.5e16]  # noqa: DTZ001 - cells are naive
    rows: list[Sequence[object]] = [header, values]

    table = read_table(mf.xlsx(rows), "a.xlsx", max_bytes=LIMIT)

    assert table[1] == [
        "123", "13800138000", "420106800101123", "4.20106E+17", "2020-01-23", "2020-01-23 14:30", "TRUE",
        "36.5", "0.3", "1.5E+16",
    ]  # fmt: skip


def test_an_18_digit_id_stored_as_a_number_comes_back_damaged_not_silently_wrong():
    # openpyxl, like Excel, can only store the number as a double: the last digits are gone.
    table = read_table(mf.xlsx([["身份证号"], [int(mf.ID_ZHANG)]]), "a.xlsx", max_bytes=LIMIT)

    text = table[1][0]
    assert text == "4.20106E+17"
    assert looks_excel_damaged(text)
    assert parse_id(text).error == ERR_EXCEL_DAMAGED
    assert str(int(float(mf.ID_ZHANG))) != mf.ID_ZHANG  # what a naive int() would have produced


def test_id_typed_as_text_survives_intact():
    table = read_table(mf.xlsx([["身份证号"], [mf.ID_LI]]), "a.xlsx", max_bytes=LIMIT)

    assert table[1] == [mf.ID_LI]
    assert parse_id(table[1][0]).valid


def test_merged_title_is_read_into_each_of_its_cells():
    table = read_table(mf.xlsx([[TITLE], HEADER], merges=["A1:G1"]), "a.xlsx", max_bytes=LIMIT)

    assert table[0] == [TITLE] * 7
    assert table[1] == HEADER


def test_first_visible_sheet_with_data_is_read():
    content = mf.xlsx(
        [HEADER, ZHANG],
        before=[([["隐藏的工作表"]], "hidden"), ([], "visible")],
        after=[[["另一个工作表"]]],
    )

    result = read_list(content, "a.xlsx", max_bytes=LIMIT)

    assert [row.fields["name"] for row in result.rows] == ["张三"]
    assert result.warnings == (WARN_OTHER_SHEETS.format(count=2, index=2),)  # the empty tab comes first


def test_workbook_with_only_empty_sheets_is_refused():
    assert refused(mf.xlsx([], before=[([], "visible")])) == ERR_EMPTY


def test_xls_is_read_with_numbers_dates_and_merges():
    rows: list[Sequence[object]] = [
        [TITLE],
        [],
        HEADER,
        [1, "张三", 4.20106198001011e17, 13800138000.0, "幸福小区", date(2020, 1, 23)],
    ]

    table = read_table(mf.xls(rows, merges=[(0, 0, 0, 6)]), "a.xls", max_bytes=LIMIT)

    assert table[0] == [TITLE] * 7
    assert table[3][:6] == ["1", "张三", "4.20106E+17", "13800138000", "幸福小区", "2020-01-23"]


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("utf-8-sig", ","),
        ("utf-8", ","),
        ("gbk", ","),
        ("gb18030", "\t"),
        ("utf-16", "\t"),
        ("utf-8-sig", ";"),
    ],
)
def test_csv_encodings_and_delimiters(encoding, delimiter):
    rows = [[TITLE], HEADER, [str(value) for value in ZHANG]]

    table = read_table(mf.csv_bytes(rows, encoding=encoding, delimiter=delimiter), "a.csv", max_bytes=LIMIT)

    assert table == [[TITLE], HEADER, [str(value) for value in ZHANG]]


def test_csv_separated_by_chinese_commas():
    content = f"姓名，身份证号，联系电话\n张三，{mf.ID_ZHANG}，13800138000\n".encode()

    assert read_table(content, "a.csv", max_bytes=LIMIT)[1] == ["张三", mf.ID_ZHANG, "13800138000"]


def test_empty_csv_is_refused():
    assert refused(b"\xef\xbb\xbf\r\n,,,\r\n", "a.csv") == ERR_EMPTY
