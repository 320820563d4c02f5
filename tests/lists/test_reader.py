"""Reading department lists: header search, batch numbers, skipped rows, row numbers, manual columns."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from epigrid.lib.phone import normalize_phone
from epigrid.lists import reader
from epigrid.lists.columns import WARN_NO_ID_OR_PHONE
from epigrid.lists.files import (
    ListFileError,
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
from tests.lists.make_files import FILED_BY, HEADER, LI, LIMIT, TITLE, ZHANG, department_sheet, refused

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
