import pytest
from hypothesis import given
from hypothesis import strategies as st

from epigrid.lib.idcard import clean_input
from epigrid.lib.names import (
    COMPOUND_SURNAMES,
    NAME_SIMILAR,
    SURNAME_READINGS,
    NameAgreement,
    clean_text,
    fold_pinyin,
    fold_syllable,
    folded_key,
    initials_key,
    name_info,
    name_similarity,
    normalize_name,
    pinyin_key,
    pinyin_syllables,
    split_name,
)

# Given-name characters that share their everyday toneless reading, for homophone typos.
HOMOPHONE_GROUPS = (
    "伟玮炜韦",
    "明鸣铭",
    "丽莉利立",
    "军君均",
    "平萍苹",
    "红宏洪鸿",
    "芳方",
    "华桦",
    "静敬靖",
    "建健剑",
    "文雯",
    "杰洁",
    "涛韬",
    "敏闽",
    "峰锋丰枫",
    "燕艳雁",
)

name_alphabet = st.sampled_from(list("张王李曾单欧阳伟玮明鸣华化丽莉军强国芳方小晓敏玉主·"))
names = st.text(name_alphabet, min_size=0, max_size=5)
messy_text = st.text(
    st.one_of(
        name_alphabet,
        st.sampled_from(list(" 　\t1２（）()【】.•・-_,，。'ＡａZz\uf90a〇")),
        st.characters(codec="utf-8"),
    ),
    max_size=12,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("张三", "张三"),
        ("  张 　三\t", "张三"),
        ("张三1", "张三"),
        ("张三，", "张三"),
        ("王芳（户主）", "王芳"),
        ("李四(小名阿四)", "李四"),
        ("【备注】赵六", "赵六"),
        ("ＺＨＡＮＧ　San", "ZHANGSAN"),
        ("'王五", "王五"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("阿依古丽•买买提", "阿依古丽·买买提"),
        ("阿依古丽・买买提", "阿依古丽·买买提"),
        ("阿依古丽.买买提", "阿依古丽·买买提"),
        ("阿依古丽 ．买买提", "阿依古丽·买买提"),
        ("阿依古丽··买买提·", "阿依古丽·买买提"),
        ("李〇", "李〇"),
        ("\uf90a城武", "金城武"),
        ("\u2f1f生", "土生"),
    ],
)
def test_normalize_name_cleans_punctuation_space_and_width(raw, expected):
    assert normalize_name(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "123", "——", "·", "不详", "无", "未知", "null", "N/A", "（无）"])
def test_normalize_name_returns_empty_for_junk(raw):
    assert normalize_name(raw) == ""


@given(st.one_of(messy_text, st.text()))
def test_clean_text_skips_clean_input_only_when_it_would_change_nothing(raw):
    assert clean_text(raw) == clean_input(raw)


@given(messy_text)
def test_normalize_name_is_idempotent(raw):
    once = normalize_name(raw)
    assert normalize_name(once) == once


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("欧阳娜娜", ("欧阳", "娜娜")),
        ("司马光", ("司马", "光")),
        ("诸葛亮", ("诸葛", "亮")),
        ("上官婉儿", ("上官", "婉儿")),
        ("尉迟恭", ("尉迟", "恭")),
        ("东方红", ("东方", "红")),
        ("欧阳", ("欧", "阳")),
        ("张三", ("张", "三")),
        ("单于飞", ("单", "于飞")),
        ("张", ("张", "")),
        ("阿依古丽·买买提", ("", "阿依古丽·买买提")),
        ("JOHNSMITH", ("", "JOHNSMITH")),
        ("", ("", "")),
    ],
)
def test_split_name(name, expected):
    assert split_name(name) == expected


def test_compound_surname_table_holds_two_character_entries():
    assert all(len(s) == 2 for s in COMPOUND_SURNAMES)
    assert {"欧阳", "司马", "上官", "诸葛", "慕容", "令狐", "端木", "澹台"} <= COMPOUND_SURNAMES


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("曾强", "zengqiang"),
        ("单田芳", "shantianfang"),
        ("仇英", "qiuying"),
        ("解缙", "xiejin"),
        ("区志航", "ouzhihang"),
        ("查良镛", "zhaliangyong"),
        ("朴槿惠", "piaojinhui"),
        ("覃振", "qinzhen"),
        ("尉迟恭", "yuchigong"),
        ("万俟卨", "moqixie"),
        ("翟志刚", "zhaizhigang"),
        ("缪可", "miaoke"),
        ("盖聂", "genie"),
        ("长孙无忌", "zhangsunwuji"),
        ("欧阳娜娜", "ouyangnana"),
        ("吕布", "lvbu"),
        ("张 三", "zhangsan"),
        ("John Smith", "johnsmith"),
        ("艾力·买买提", "ailimaimaiti"),
        ("", ""),
    ],
)
def test_pinyin_key_reads_surnames_as_surnames(name, key):
    assert pinyin_key(name) == key


def test_surname_reading_applies_to_the_surname_only():
    # 曾 in a given name keeps its everyday reading céng.
    assert pinyin_key("王曾") == "wangceng"
    assert pinyin_key("曾曾") == "zengceng"


def test_surname_readings_are_one_lower_case_syllable_per_character():
    for surname, reading in SURNAME_READINGS.items():
        assert len(reading.split()) == len(surname)
        assert all(s.isascii() and s.isalpha() and s.islower() for s in reading.split())


def test_syllables_and_initials():
    assert pinyin_syllables("欧阳娜娜") == ("ou", "yang", "na", "na")
    assert pinyin_syllables("曾强") == ("zeng", "qiang")
    assert pinyin_syllables("尉迟恭") == ("yu", "chi", "gong")
    assert pinyin_syllables("艾力·John") == ("ai", "li", "john")
    assert initials_key("曾强") == "zq"
    assert initials_key("") == ""


def test_name_info_is_cached_per_name():
    assert name_info("张三") is name_info("张三")


@pytest.mark.parametrize(
    ("syllable", "folded"),
    [
        ("zhang", "zan"),
        ("chen", "cen"),
        ("shi", "si"),
        ("niu", "liu"),
        ("ning", "lin"),
        ("liu", "liu"),
        ("wang", "wan"),
        ("feng", "fen"),
        ("ying", "yin"),
        ("zhong", "zong"),
        ("hu", "fu"),
        ("huang", "huan"),
        ("a", "a"),
    ],
)
def test_fold_syllable(syllable, folded):
    assert fold_syllable(syllable) == folded


def test_fold_pinyin_works_per_syllable():
    assert fold_pinyin(("zhang", "san")) == "zansan"
    # xing+gan and xin+gan fold alike only because each syllable is folded on its own.
    assert fold_pinyin(("xing", "gan")) == fold_pinyin(("xin", "gan"))
    assert folded_key("张三") == "zansan"


@pytest.mark.parametrize(("a", "b"), [("刘强", "牛强"), ("张伟", "臧伟"), ("陈静", "岑静"), ("林峰", "凌峰")])
def test_folded_keys_merge_southern_confusions(a, b):
    assert pinyin_key(a) != pinyin_key(b)
    assert folded_key(a) == folded_key(b)


@pytest.mark.parametrize("group", HOMOPHONE_GROUPS)
def test_homophone_groups_share_a_reading(group):
    assert len({pinyin_key(f"张{c}") for c in group}) == 1


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("张三", "张三", NameAgreement.EXACT),
        ("张 三", "张三", NameAgreement.EXACT),
        ("ＺＨＡＮＧ　San", "zhangsan", NameAgreement.EXACT),
        ("阿依古丽买买提", "阿依古丽·买买提", NameAgreement.EXACT),
        ("张伟", "张玮", NameAgreement.SAME_PINYIN),
        ("王伟", "汪伟", NameAgreement.SAME_PINYIN),
        ("曾强", "增强", NameAgreement.SAME_PINYIN),
        ("李长江", "李常江", NameAgreement.SAME_PINYIN),
        ("王朝阳", "王招阳", NameAgreement.SAME_PINYIN),
        ("刘强", "牛强", NameAgreement.FOLDED_PINYIN),
        ("张小明", "张晓敏", NameAgreement.FOLDED_PINYIN),
        ("胡军", "符军", NameAgreement.FOLDED_PINYIN),
        ("王伟", "玉伟", NameAgreement.CLOSE),
        ("玲玲", "珍玲", NameAgreement.CLOSE),
        ("张小明", "张小红", NameAgreement.CLOSE),
        ("张明华", "张华明", NameAgreement.CLOSE),
        ("欧阳娜娜", "欧阳娜", NameAgreement.CLOSE),
        ("阿依古丽·买买提", "阿依古丽", NameAgreement.CLOSE),
        ("JOHNSMITH", "JONSMITH", NameAgreement.CLOSE),
        ("张伟", "张文", NameAgreement.DIFFERENT),
        ("张伟", "李伟", NameAgreement.DIFFERENT),
        ("张伟", "王芳", NameAgreement.DIFFERENT),
        ("张明华", "明张华", NameAgreement.DIFFERENT),
        ("欧阳娜娜", "欧娜阳娜", NameAgreement.DIFFERENT),
        ("", "张三", NameAgreement.UNKNOWN),
        ("不详", "张三", NameAgreement.UNKNOWN),
        ("", "", NameAgreement.UNKNOWN),
    ],
)
def test_name_similarity_levels(a, b, level):
    assert name_similarity(a, b) is level
    assert name_similarity(b, a) is level


def test_archaic_readings_do_not_make_homophones():
    # pypinyin lists an archaic "yu" for 王; only curated alternative readings count.
    assert name_similarity("王伟", "于伟") is NameAgreement.DIFFERENT


def test_similar_levels_exclude_different_and_unknown():
    assert NameAgreement.DIFFERENT not in NAME_SIMILAR
    assert NameAgreement.UNKNOWN not in NAME_SIMILAR
    assert len(NAME_SIMILAR) == 4


@given(names, names)
def test_name_similarity_is_symmetric(a, b):
    assert name_similarity(a, b) is name_similarity(b, a)


@given(names)
def test_a_name_is_exact_to_itself_unless_junk(a):
    expected = NameAgreement.EXACT if normalize_name(a) else NameAgreement.UNKNOWN
    assert name_similarity(a, a) is expected
