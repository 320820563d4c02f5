"""Reading department lists: file kinds, cells as text, header search, skipped rows and row numbers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import pytest

from epigrid.lib.idcard import ERR_EXCEL_DAMAGED, looks_excel_damaged, parse_id
from epigrid.lib.phone import normalize_phone
from epigrid.lists import reader
from epigrid.lists.columns import WARN_NO_ID_OR_PHONE
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
    ERR_HEADER_ROW,
    ERR_NO_NAME_COLUMN,
    ERR_OVERRIDE_COLUMN,
    ERR_OVERRIDE_DUPLICATE,
    ERR_OVERRIDE_FIELD,
    ERR_OVERRIDE_NO_NAME,
    SKIP_BLANK,
    SKIP_FOOTER,
    SKIP_HEADER_REPEAT,
    SKIP_NOTE,
    SKIP_SEQ_ONLY,
    SKIP_SUB_HEADER,
    SKIP_TITLE,
    SKIP_TOTAL,
    WARN_NO_ROWS,
    extract_batch,
    locate_header,
    read_list,
)
from tests.lists import make_files as mf

LIMIT = 1024 * 1024
TITLE = "XX区教育局反馈武汉返XX人员名单（第2批）"
FILED_BY = "填报单位：XX区教育局"
HEADER = ["序号", "姓名", "身份证号码", "联系电话", "现住址", "返回日期", "备注"]
ZHANG = [1, "张三", mf.ID_ZHANG, "13800138000", "幸福小区3栋", "2020-01-23", ""]
LI = [2, "李四", mf.ID_LI, "13900139000", "和平村5组", "2020-01-24", "已隔离"]
WANG = [3, "王五", mf.ID_WANG, "13700137000", "和平村6组", "2020-01-25", ""]


def refused(content: bytes, filename: str = "名单.xlsx", max_bytes: int = LIMIT) -> str:
    with pytest.raises(ListFileError) as caught:
        read_list(content, filename, max_bytes=max_bytes)
    return caught.value.message


def department_sheet() -> list[Sequence[object]]:
    """Return a list as a department sends it: title, blank, 填报单位 line, header, rows, total, footer."""
    return [
        [TITLE],
        [],
        [FILED_BY, "", "", "", "填报日期：2020年1月28日"],
        HEADER,
        ZHANG,
        [],
        LI,
        WANG,
        ["合计", "", "", "", "", "", "3人"],
        [],
        ["填报人：赵六  审核人：钱七  联系电话：0551-12345678"],
        [],
        [],
    ]


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


# --- Header, title and batch ----------------------------------------------------------------------


def test_header_below_title_rows_is_found_and_the_title_kept():
    result = read_list(mf.xlsx(department_sheet(), merges=["A1:G1"]), "名单.xlsx", max_bytes=LIMIT)

    assert result.format == "xlsx"
    assert result.header_row_number == 4
    assert result.preamble == (TITLE, f"{FILED_BY} 填报日期：2020年1月28日")
    assert result.batch_hint == 2
    assert result.mapping.columns == {
        "seq": 0, "name": 1, "id_number": 2, "phone": 3, "address": 4, "arrival_date": 5, "remarks": 6,
    }  # fmt: skip
    assert result.unmapped_columns == ()
    assert result.warnings == ()


def test_locate_header_needs_a_name_and_one_more_known_column():
    table = [["姓名"], ["姓名", "班级"], ["姓名", "性别"]]

    assert locate_header(table) == 2


def test_header_is_only_looked_for_near_the_top():
    table = [[f"说明第{i}条"] for i in range(reader.HEADER_SEARCH_ROWS)] + [HEADER]

    with pytest.raises(ListFileError) as caught:
        locate_header(table)

    assert caught.value.message == ERR_NO_NAME_COLUMN


def test_file_without_a_name_column_is_refused():
    content = mf.csv_bytes([["序号", "身份证号", "联系电话"], ["1", mf.ID_ZHANG, "13800138000"]])

    assert refused(content, "名单.csv") == ERR_NO_NAME_COLUMN


@pytest.mark.parametrize(
    ("text", "batch"),
    [
        (TITLE, 2),
        ("武汉返乡人员名单（第 12 批）", 12),
        ("武汉返乡人员名单第二批", 2),
        ("第十二批", 12),
        ("第二十批次", 20),
        ("第１０批", 10),
        ("人员名单", None),
        ("第X批", None),
    ],
)
def test_extract_batch(text, batch):
    assert extract_batch(text) == batch


def test_batch_number_falls_back_to_the_file_name():
    content = mf.xlsx([HEADER, ZHANG])

    assert read_list(content, "区卫健局第三批.xlsx", max_bytes=LIMIT).batch_hint == 3
    assert read_list(content, "区卫健局.xlsx", max_bytes=LIMIT).batch_hint is None


# --- Rows -----------------------------------------------------------------------------------------


def test_rows_carry_the_spreadsheet_row_number_and_skipped_rows_their_reason():
    result = read_list(mf.xlsx(department_sheet()), "名单.xlsx", max_bytes=LIMIT)

    assert [(row.row_number, row.fields["name"]) for row in result.rows] == [
        (5, "张三"),
        (7, "李四"),
        (8, "王五"),
    ]
    # Trailing blank rows are the sheet's end, not something to report.
    assert result.skipped == [(6, SKIP_BLANK), (9, SKIP_TOTAL), (10, SKIP_BLANK), (11, SKIP_FOOTER)]
    assert result.rows[1].fields == {
        "seq": "2", "name": "李四", "id_number": mf.ID_LI, "phone": "13900139000", "address": "和平村5组",
        "arrival_date": "2020-01-24", "remarks": "已隔离",
    }  # fmt: skip
    assert result.rows[1].raw == ["2", "李四", mf.ID_LI, "13900139000", "和平村5组", "2020-01-24", "已隔离"]


def test_row_numbers_and_columns_count_from_a1_even_when_the_sheet_starts_lower():
    rows: list[Sequence[object]] = [[], [], [None, *HEADER], [None, *ZHANG]]

    result = read_list(mf.xlsx(rows), "名单.xlsx", max_bytes=LIMIT)

    assert result.header_row_number == 3
    assert result.mapping.columns["name"] == 2  # column C
    assert [row.row_number for row in result.rows] == [4]


def test_csv_row_numbers_count_records_as_excel_shows_them():
    rows = [[TITLE], HEADER, [str(v) for v in ZHANG[:4]] + ["幸福小区\n3栋", "", ""], [str(v) for v in LI]]

    result = read_list(mf.csv_bytes(rows, encoding="gbk"), "名单.csv", max_bytes=LIMIT)

    assert [(row.row_number, row.fields["address"]) for row in result.rows] == [
        (3, "幸福小区\n3栋"),
        (4, "和平村5组"),
    ]


def test_xls_rows_carry_the_spreadsheet_row_number():
    rows: list[Sequence[object]] = [[TITLE], [], HEADER, ZHANG, ["合计"]]

    result = read_list(mf.xls(rows), "名单.xls", max_bytes=LIMIT)

    assert result.format == "xls"
    assert [row.row_number for row in result.rows] == [4]
    assert result.skipped == [(5, SKIP_TOTAL)]
    assert result.batch_hint == 2


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (["合计", "", "", "", "", "", "3人"], SKIP_TOTAL),
        (["", "合  计", "", "", "", "", ""], SKIP_TOTAL),
        (["总计：3人"], SKIP_TOTAL),
        (["", "", "", "", "", "", "小计"], SKIP_TOTAL),
        (["填报人：赵六  审核人：钱七"], SKIP_FOOTER),
        (["", "", "", "", "", "审核：钱七"], SKIP_FOOTER),
        (["填报人：", "赵六", "", "审核人：", "钱七"], SKIP_FOOTER),
        (["", "", "", "联系电话：0551-12345678"], SKIP_FOOTER),
        (["制表人 赵六"], SKIP_FOOTER),
        (["备注：本表由区教育局提供，仅供防控使用。"], SKIP_NOTE),
        (["注：身份证号请填写18位"], SKIP_NOTE),
        (["XX区教育局反馈武汉返XX人员名单（第3批）"], SKIP_TITLE),
        (HEADER, SKIP_HEADER_REPEAT),
        (["序号", "姓 名", "身份证号", "", "", "", ""], SKIP_HEADER_REPEAT),
        (["4", "", "", "", "", "", ""], SKIP_SEQ_ONLY),
        (["", "", "", "", "", "", ""], None),  # blank but trailing: not reported
    ],
)
def test_non_person_rows_are_skipped_with_their_reason(row, reason):
    result = read_list(mf.xlsx([HEADER, ZHANG, row]), "名单.xlsx", max_bytes=LIMIT)

    assert [r.fields["name"] for r in result.rows] == ["张三"]
    assert result.skipped == ([(3, reason)] if reason else [])


def test_merged_footer_note_and_title_rows_are_skipped():
    rows: list[Sequence[object]] = [
        HEADER,
        ZHANG,
        ["填报人：赵六 审核人：钱七"],
        ["备注：仅供防控使用"],
        [TITLE],
        LI,
    ]
    merges = ["A3:G3", "A4:G4", "A5:G5"]

    result = read_list(mf.xlsx(rows, merges=merges), "名单.xlsx", max_bytes=LIMIT)

    assert result.skipped == [(3, SKIP_FOOTER), (4, SKIP_NOTE), (5, SKIP_TITLE)]
    assert [(row.row_number, row.fields["name"]) for row in result.rows] == [(2, "张三"), (6, "李四")]


def test_a_person_row_with_a_missing_name_is_kept_for_validation_to_report():
    result = read_list(mf.xlsx([HEADER, ZHANG, ["", "", mf.ID_LI, "13900139000"]]), "a.xlsx", max_bytes=LIMIT)

    assert [(row.row_number, row.fields["name"], row.fields["id_number"]) for row in result.rows] == [
        (2, "张三", mf.ID_ZHANG),
        (3, "", mf.ID_LI),
    ]


def test_header_without_data_rows_is_a_warning():
    result = read_list(mf.xlsx([HEADER, [], ["合计", "", "", "", "", "", "0人"]]), "a.xlsx", max_bytes=LIMIT)

    assert result.rows == []
    assert result.skipped == [(2, SKIP_BLANK), (3, SKIP_TOTAL)]
    assert result.warnings == (WARN_NO_ROWS,)


def test_fields_are_stripped_and_id_and_phone_folded_to_half_width():
    row = [
        "1",
        " 张三\u3000",
        "\u200b４２０１０６１９８００１０１１２３７ ",
        "１３８００１３８０００",
        "ＸＸ小区",
        "",
        "",
    ]

    fields = read_list(mf.xlsx([HEADER, row]), "a.xlsx", max_bytes=LIMIT).rows[0].fields

    assert fields["name"] == "张三"
    assert fields["id_number"] == mf.ID_ZHANG
    assert fields["phone"] == "13800138000"
    assert fields["address"] == "ＸＸ小区"  # only ID numbers and phones are folded


def test_formula_like_cells_are_kept_as_text_and_flagged():
    row = [1, "张三", mf.ID_ZHANG, "+86 138 0013 8000", "-", "@SUM(A1)", '=HYPERLINK("http://x","点击")']

    result = read_list(mf.xlsx([HEADER, row]), "a.xlsx", max_bytes=LIMIT)

    person = result.rows[0]
    assert person.fields["phone"] == "+86 138 0013 8000"
    assert person.fields["remarks"] == '=HYPERLINK("http://x","点击")'
    assert person.fields["arrival_date"] == "@SUM(A1)"
    assert person.formula_like_fields == frozenset({"phone", "address", "arrival_date", "remarks"})
    assert normalize_phone(person.fields["phone"]).normalized == "13800138000"


def test_formula_like_cells_in_csv_are_flagged_too():
    rows = [["姓名", "联系电话", "备注"], ["=1+2", "13800138000", "+1"]]

    person = read_list(mf.csv_bytes(rows), "a.csv", max_bytes=LIMIT).rows[0]

    assert person.fields == {"name": "=1+2", "phone": "13800138000", "remarks": "+1"}
    assert person.formula_like_fields == frozenset({"name", "remarks"})


def test_cells_merged_down_a_family_belong_to_every_member():
    header = ["姓名", "身份证号", "所在村", "包保人"]
    rows = [
        header,
        ["张三", mf.ID_ZHANG, "和平村", "赵六"],
        ["张小三", mf.ID_LI, "", ""],
        ["李四", mf.ID_WANG, "幸福村", "钱七"],
    ]

    result = read_list(mf.xlsx(rows, merges=["C2:C3", "D2:D3"]), "a.xlsx", max_bytes=LIMIT)

    assert [(row.fields["village"], row.fields["cadre"]) for row in result.rows] == [
        ("和平村", "赵六"),
        ("和平村", "赵六"),
        ("幸福村", "钱七"),
    ]


def test_two_row_header_under_merged_titles():
    rows: list[Sequence[object]] = [
        [TITLE],
        ["序号", "姓名", "身份证号", "现住址", "", "", "包保人", "", "联系电话"],
        ["", "", "", "小区", "楼号", "房间", "姓名", "电话", ""],
        [1, "张三", mf.ID_ZHANG, "幸福小区", "3栋", "301", "赵六", "13900000001", "13800138000"],
    ]
    merges = ["A1:I1", "A2:A3", "B2:B3", "C2:C3", "D2:F2", "G2:H2", "I2:I3"]

    result = read_list(mf.xlsx(rows, merges=merges), "名单.xlsx", max_bytes=LIMIT)

    assert result.header_row_number == 2
    assert result.mapping.columns == {
        "seq": 0,
        "name": 1,
        "id_number": 2,
        "address": 3,
        "cadre": 6,
        "phone": 8,
    }
    assert result.mapping.extra_columns == {"address": (4, 5), "cadre": (7,)}
    assert result.skipped == [(3, SKIP_SUB_HEADER)]
    person = result.rows[0]
    assert person.row_number == 4
    assert person.fields["address"] == "幸福小区 3栋 301"
    assert person.fields["cadre"] == "赵六 13900000001"
    assert person.fields["phone"] == "13800138000"


def test_two_row_header_in_csv_where_merged_titles_are_followed_by_blanks():
    rows = [
        ["姓名", "身份证号", "现住址", "", "联系电话"],
        ["", "", "小区", "房间", ""],
        ["张三", mf.ID_ZHANG, "幸福小区", "301", "13800138000"],
    ]

    result = read_list(mf.csv_bytes(rows), "名单.csv", max_bytes=LIMIT)

    assert result.skipped == [(2, SKIP_SUB_HEADER)]
    assert result.rows[0].fields["address"] == "幸福小区 301"


def test_first_data_row_under_a_wide_title_is_not_taken_for_a_sub_header():
    rows = [
        ["姓名", "身份证号", "现住址", "", "联系电话"],
        ["张三", mf.ID_ZHANG, "幸福小区", "301", "13800138000"],
    ]

    result = read_list(mf.csv_bytes(rows), "名单.csv", max_bytes=LIMIT)

    assert result.skipped == []
    assert [row.row_number for row in result.rows] == [2]


# --- Choosing columns by hand ---------------------------------------------------------------------


def test_mapping_override_replaces_the_proposal():
    result = read_list(
        mf.xlsx(department_sheet()), "名单.xlsx", max_bytes=LIMIT, mapping_override={"name": 1, "phone": 2}
    )

    assert result.mapping.columns == {"name": 1, "phone": 2}
    assert result.unmapped_columns == (0, 3, 4, 5, 6)
    assert result.rows[0].fields == {"name": "张三", "phone": mf.ID_ZHANG}


def test_mapping_override_reads_a_list_whose_header_was_not_recognised():
    rows = [["人员", "证件", "手机"], ["张三", mf.ID_ZHANG, "13800138000"]]
    content = mf.csv_bytes(rows)
    assert refused(content, "名单.csv") == ERR_NO_NAME_COLUMN

    result = read_list(
        content, "名单.csv", max_bytes=LIMIT, mapping_override={"name": 0, "id_number": 1, "phone": 2}
    )

    assert result.header_row_number == 1
    assert [(row.row_number, row.fields["id_number"]) for row in result.rows] == [(2, mf.ID_ZHANG)]


def test_header_row_chosen_by_hand():
    rows = [["标题"], ["姓名", "说明"], ["张三", "无"]]

    result = read_list(
        mf.csv_bytes(rows), "名单.csv", max_bytes=LIMIT, header_row=2, mapping_override={"name": 0}
    )

    assert result.header_row_number == 2
    assert result.preamble == ("标题",)
    assert result.warnings == (WARN_NO_ID_OR_PHONE,)
    assert [row.fields for row in result.rows] == [{"name": "张三"}]


@pytest.mark.parametrize(
    ("override", "header_row", "message"),
    [
        ({"name": 1, "nickname": 2, "age2": 3}, None, ERR_OVERRIDE_FIELD.format(fields="age2、nickname")),
        ({"name": 1, "phone": 7}, None, ERR_OVERRIDE_COLUMN.format(field="联系电话", column="H")),
        ({"name": 1, "phone": -1}, None, ERR_OVERRIDE_COLUMN.format(field="联系电话", column="-1")),
        ({"name": 1, "phone": 1}, None, ERR_OVERRIDE_DUPLICATE.format(column="B", fields="姓名、联系电话")),
        ({"phone": 3}, None, ERR_OVERRIDE_NO_NAME),
        ({"name": 1}, 14, ERR_HEADER_ROW.format(row=14)),
        ({"name": 1}, 0, ERR_HEADER_ROW.format(row=0)),
    ],
)
def test_bad_mapping_override_is_refused(override, header_row, message):
    with pytest.raises(ListFileError) as caught:
        read_list(
            mf.xlsx(department_sheet()),
            "名单.xlsx",
            max_bytes=LIMIT,
            mapping_override=override,
            header_row=header_row,
        )
    assert caught.value.message == message


def test_messages_never_quote_a_cell():
    rows = [["姓名", "联系电话", "手机号"], ["张三", "13800138000", "13900139000"]]

    result = read_list(mf.csv_bytes(rows), "名单.csv", max_bytes=LIMIT)

    assert result.warnings
    assert not any(value in warning for warning in result.warnings for value in ("张三", "138", "139"))


def test_a_few_thousand_rows_read_whole():
    rows = [[TITLE], HEADER] + [
        [n, f"人员{n}", mf.ID_ZHANG, "13800138000", "和平村", "", ""] for n in range(1, 3001)
    ]

    result = read_list(mf.csv_bytes(rows), "名单.csv", max_bytes=LIMIT)

    assert len(result.rows) == 3000
    assert result.rows[-1].row_number == 3002


def test_total_row_with_the_head_count_in_the_name_column_is_skipped():
    from epigrid.lists.files import FORMAT_CSV  # noqa: F401 - the module under test reads CSV here

    content = "序号,姓名,身份证号\n1,张三,\n合计,2人,\n".encode()
    result = reader.read_list(content, "a.csv", max_bytes=10**6)
    assert [row.row_number for row in result.rows] == [2]
    assert (3, SKIP_TOTAL) in result.skipped
