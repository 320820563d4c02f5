"""Header recognition: every department's spelling of a column lands on the same field."""

from __future__ import annotations

import pytest

from epigrid.lists.columns import (
    FIELD_LABELS,
    FIELDS,
    QUALITY_CORE,
    QUALITY_EXACT,
    SPECS,
    WARN_DUPLICATE_COLUMN,
    WARN_NO_ID_OR_PHONE,
    column_letter,
    mapping_from_columns,
    match_header,
    normalise_header,
    propose_mapping,
)


def test_every_field_has_a_spec_and_a_label():
    assert [spec.key for spec in SPECS] == list(FIELDS)
    assert set(FIELD_LABELS) == set(FIELDS)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("姓名", ("姓名", "姓名")),
        ("姓  名", ("姓名", "姓名")),
        ("*姓名：", ("姓名", "姓名")),
        ("身份证\n号码", ("身份证号码", "身份证号码")),
        ("联系电话（手机）", ("联系电话手机", "联系电话")),
        ("身份证号(18位)", ("身份证号18位", "身份证号")),
        ("ＮＡＭＥ", ("name", "name")),
        ("（备注）", ("备注", "备注")),  # nothing outside the brackets: the core keeps the note
    ],
)
def test_normalise_header_folds_width_spaces_punctuation_and_notes(label, expected):
    assert normalise_header(label) == expected


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ("姓名", "name"),
        ("姓  名", "name"),
        ("人员姓名", "name"),
        ("Name", "name"),
        ("身份证号", "id_number"),
        ("身份证\n号码", "id_number"),
        ("公民身份号码", "id_number"),
        ("证件号码（必填）", "id_number"),
        ("ID", "id_number"),
        ("证件类型", "doc_type"),
        ("性别", "sex"),
        ("年龄", "age"),
        ("出生年月", "birth_date"),
        ("联系电话（手机）", "phone"),
        ("手机号码", "phone"),
        ("联系方式", "phone"),
        ("电  话", "phone"),
        ("现住址", "address"),
        ("现居住地址（小区/村组、楼号、单元、房间）", "address"),
        ("家庭住址", "address"),
        ("户籍地址", "household_address"),
        ("户籍住址", "household_address"),
        ("户口所在地", "household_address"),
        ("工作单位/学校", "work_unit"),
        ("从何地返回（是否来自/途经武汉、湖北）", "origin"),
        ("出发地", "origin"),
        ("是否途经武汉", "via_outbreak"),
        ("离汉日期", "left_date"),
        ("离开时间", "left_date"),
        ("返回日期", "arrival_date"),
        ("到达时间", "arrival_date"),
        ("返京时间", "arrival_date"),
        ("抵邕日期", "arrival_date"),
        ("交通工具", "transport"),
        ("车次/航班/车牌", "transport_no"),
        ("车牌号", "transport_no"),
        ("同行人员", "companions"),
        ("同行人员姓名", "companions"),
        ("体温（℃）", "temperature"),
        ("有无发热、咳嗽等症状", "symptoms"),
        ("采取措施", "measures"),
        ("管控措施", "measures"),
        ("村（社区）", "village"),
        ("所在村", "village"),
        ("所在网格", "grid"),
        ("包保人", "cadre"),
        ("包保干部", "cadre"),
        ("责任人", "cadre"),
        ("包保人电话", "cadre"),
        ("网格员", "cadre"),
        ("备注", "remarks"),
        ("序号", "seq"),
        ("No.", "seq"),
    ],
)
def test_match_header_knows_department_spellings(label, field):
    assert match_header(label) == field


@pytest.mark.parametrize(
    "label",
    ["家长姓名", "联系电话（家属）", "紧急联系人电话", "填报人姓名", "班级", "", "  ", "14天接触史", "村组"],
)
def test_match_header_leaves_other_peoples_columns_and_unknown_ones_alone(label):
    assert match_header(label) is None


def test_id_number_column_beats_a_document_type_column_that_mentions_it():
    mapping = propose_mapping(["证件类型（身份证/护照）", "姓名", "身份证号码"])

    assert mapping.columns == {"doc_type": 0, "name": 1, "id_number": 2}
    assert mapping.quality["id_number"] == QUALITY_EXACT
    assert mapping.quality["doc_type"] == QUALITY_CORE


def test_education_bureau_header():
    header = ["序号", "学生姓名", "性别", "身份证号码", "家长姓名", "家长电话", "就读学校", "班级"]
    header += ["从何地返回", "返回日期", "现居住地址", "备注"]

    mapping = propose_mapping(header)

    assert mapping.columns == {
        "seq": 0, "name": 1, "sex": 2, "id_number": 3, "work_unit": 6, "origin": 8, "arrival_date": 9,
        "address": 10, "remarks": 11,
    }  # fmt: skip
    assert mapping.unrecognised == (4, 5, 7)  # the parent is not the returnee
    assert mapping.warnings == ()
    assert mapping.confidence > 0.9


def test_health_commission_header():
    header = ["序号", "姓名", "性别", "年龄", "证件类型", "证件号码", "联系电话", "户籍地址", "现住址"]
    header += ["离汉日期", "到达时间", "交通方式", "车次/航班/车牌", "有无发热、咳嗽等症状", "管控措施"]
    header += ["所在村（社区）", "包保干部"]

    mapping = propose_mapping(header)

    assert [mapping.columns[key] for key in FIELDS if key in mapping.columns] == [
        1, 5, 4, 2, 3, 6, 8, 7, 9, 10, 11, 12, 13, 14, 15, 16, 0,
    ]  # fmt: skip
    assert mapping.unrecognised == ()


def test_police_station_header():
    header = ["编号", "姓  名", "公民身份号码", "手机号", "居住地址", "是否途经武汉", "返乡时间", "车牌号"]
    header += ["同行人员", "责任人", "责任人电话", "网格"]

    mapping = propose_mapping(header)

    assert mapping.columns == {
        "seq": 0, "name": 1, "id_number": 2, "phone": 3, "address": 4, "via_outbreak": 5,
        "arrival_date": 6, "transport_no": 7, "companions": 8, "cadre": 9, "grid": 11,
    }  # fmt: skip
    # The cadre's phone is neither the returnee's phone nor a second cadre column.
    assert mapping.unrecognised == (10,)
    assert mapping.warnings == (
        WARN_DUPLICATE_COLUMN.format(column="K", header="责任人电话", first="J", field="包保人"),
    )


def test_second_column_of_the_same_field_is_left_out_with_a_warning():
    mapping = propose_mapping(["姓名", "联系电话", "手机号"])

    assert mapping.columns == {"name": 0, "phone": 1}
    assert mapping.unrecognised == (2,)
    assert mapping.warnings == (
        WARN_DUPLICATE_COLUMN.format(column="C", header="手机号", first="B", field="联系电话"),
    )


def test_no_id_and_no_phone_column_is_a_warning_and_lowers_confidence():
    with_id = propose_mapping(["姓名", "身份证号", "现住址"])
    without = propose_mapping(["姓名", "性别", "现住址"])

    assert without.warnings == (WARN_NO_ID_OR_PHONE,)
    assert without.confidence < with_id.confidence


def test_no_name_column_means_no_confidence():
    mapping = propose_mapping(["序号", "身份证号", "联系电话"])

    assert "name" not in mapping.columns
    assert mapping.missing_required == ("name",)
    assert mapping.confidence == 0.0


def test_sub_columns_of_a_merged_header_join_their_field():
    labels = ["姓名", "现住址小区", "现住址楼号", "现住址房间", "包保人姓名", "包保人电话", "联系电话"]

    mapping = propose_mapping(labels, groups=[(1, 2, 3), (4, 5)])

    assert mapping.columns == {"name": 0, "address": 1, "cadre": 4, "phone": 6}
    assert mapping.extra_columns == {"address": (2, 3), "cadre": (5,)}
    assert mapping.unrecognised == ()
    assert mapping.warnings == ()


def test_mapping_chosen_by_hand():
    mapping = mapping_from_columns({"phone": 2, "name": 0}, ["人员", "住址", "电话", "说明"])

    assert mapping.columns == {"name": 0, "phone": 2}
    assert mapping.unrecognised == (1, 3)
    assert mapping.confidence == 1.0
    assert mapping.warnings == ()


@pytest.mark.parametrize(
    ("index", "letter"), [(0, "A"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letter(index, letter):
    assert column_letter(index) == letter
