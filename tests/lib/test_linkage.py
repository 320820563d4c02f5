from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from epigrid.lib.idcard import check_char, make_id
from epigrid.lib.linkage import (
    DEFAULT_WEIGHTS,
    MATCH,
    MATCH_THRESHOLD,
    NON_MATCH,
    REVIEW,
    REVIEW_THRESHOLD,
    RULE_ID_CONFLICT,
    RULE_ID_EQUAL,
    RULE_NAME_CONFLICT,
    RULE_SCORE,
    AddressAgreement,
    BirthAgreement,
    IdAgreement,
    PhoneAgreement,
    Record,
    SexAgreement,
    blocking_keys,
    compare_address,
    compare_birth,
    compare_id,
    compare_phone,
    compare_sex,
    id_keys,
    make_record,
    name_keys,
    normalize_address,
    parse_birth,
    phone_keys,
    score,
)
from epigrid.lib.names import NameAgreement
from tests.lib.test_names import HOMOPHONE_GROUPS

BIRTH = date(1985, 3, 12)
ID = make_id(address_code="420102", birth=BIRTH, sequence=123)  # male: 3 is odd
TWIN_ID = make_id(address_code="420102", birth=BIRTH, sequence=125)
OTHER_ID = make_id(address_code="420102", birth=date(1990, 7, 1), sequence=456)
PHONE = "13812345678"


def substitute(text, index, char):
    return text[:index] + char + text[index + 1 :]


def one_digit_typo(number, index=15):
    return substitute(number, index, "0" if number[index] != "0" else "1")


def transposed(number):
    # Swap the first pair of adjacent digits that differ, so the swap is visible.
    i = next(k for k in range(17) if number[k] != number[k + 1])
    return number[:i] + number[i + 1] + number[i] + number[i + 2 :]


def person(**fields):
    return make_record(id=fields.pop("id", 1), **fields)


ids = st.builds(
    make_id,
    address_code=st.sampled_from(["420102", "110105", "440305"]),
    birth=st.dates(min_value=date(1930, 1, 1), max_value=date(2019, 12, 31)),
    sequence=st.integers(0, 999),
)
surnames = st.sampled_from(["张", "王", "李", "曾", "单", "欧阳", "陈", "刘"])
given_names = st.lists(st.sampled_from("".join(HOMOPHONE_GROUPS)), min_size=1, max_size=2).map("".join)
mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


# --- make_record -----------------------------------------------------------------


def test_make_record_normalises_every_field():
    record = make_record(
        id=7,
        name=" 张　伟（户主）",
        id_number=f" {ID} ",
        phone="+86 138 1234 5678",
        address="湖北省武汉市江岸区幸福社区三栋二单元301室",
    )
    assert record == Record(
        id=7,
        name="张伟",
        name_key="zhangwei",
        id_number=ID,
        id_valid=True,
        id_damaged=False,
        birth_date=BIRTH,
        birth_year=1985,
        sex="M",
        phone=PHONE,
        address="幸福社区 3栋 2单元 301室",
    )


def test_make_record_accepts_full_width_id_and_lower_case_x():
    full_width = "１１０１０５１９４９１２３１００２ｘ"
    record = make_record(id=1, id_number=full_width)
    assert (record.id_number, record.id_valid, record.sex) == ("11010519491231002X", True, "F")


def test_make_record_keeps_given_birth_and_sex_over_the_id():
    record = make_record(id=1, id_number=ID, birth_date="1985-03-21", sex="女")
    assert (record.birth_date, record.birth_year, record.sex) == (date(1985, 3, 21), 1985, "F")


def test_make_record_keeps_a_mistyped_id_in_shape_but_invalid():
    typo = one_digit_typo(ID)
    record = make_record(id=1, id_number=typo)
    assert (record.id_number, record.id_valid, record.id_damaged) == (typo, False, False)
    assert record.birth_date is None and record.sex == ""


# 18 digits ending in 000 whose check digit fails: Excel cut the last three digits.
CUT_ID = OTHER_ID[:15] + "000"


@pytest.mark.parametrize("raw", ["4.20102E+17", "420102198503121000.0", CUT_ID])
def test_make_record_flags_excel_damage_and_drops_the_number(raw):
    assert check_char(CUT_ID[:17]) != "0"
    record = make_record(id=1, id_number=raw)
    assert (record.id_number, record.id_valid, record.id_damaged) == ("", False, True)


def test_make_record_upgrades_15_digit_numbers():
    record = make_record(id=1, id_number="110105491231002")
    assert record.id_valid and record.id_number == "11010519491231002X"


id_like = st.one_of(
    ids,
    ids.map(one_digit_typo),
    ids.map(str.lower),
    st.builds(make_id, address_code=st.just("420102"), birth=st.dates(), sequence=st.integers(0, 999)),
    st.from_regex(r"[0-9]{17}[0-9X]", fullmatch=True),
    st.from_regex(r"[0-9]{15}", fullmatch=True),
)


@given(id_like, mobiles)
def test_fast_paths_agree_with_the_shared_normalisers(number, phone):
    # A leading space defeats the fast paths, so the padded copy goes through parse_id
    # and normalize_phone; both must give the same record.
    today = date(2020, 2, 1)
    fast = make_record(id=1, id_number=number, phone=phone, today=today)
    assert fast == make_record(id=1, id_number=f" {number}", phone=f" {phone}", today=today)


def test_make_record_without_an_id_or_with_garbage():
    assert make_record(id=1, id_number="").id_number == ""
    assert make_record(id=1, id_number="12345").id_number == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1985-03-12", (BIRTH, 1985)),
        ("1985/3/12", (BIRTH, 1985)),
        ("1985.3.12", (BIRTH, 1985)),
        ("1985年3月12日", (BIRTH, 1985)),
        ("１９８５０３１２", (BIRTH, 1985)),
        ("1985", (None, 1985)),
        ("1985年", (None, 1985)),
        ("1985年3月", (None, 1985)),
        ("1985-03", (None, 1985)),
        ("1985-02-30", (None, 1985)),
        ("未知", (None, None)),
    ],
)
def test_parse_birth(raw, expected):
    assert parse_birth(raw) == expected


def test_datetime_cells_become_dates():
    record = make_record(id=1, birth_date=datetime(1985, 3, 12, tzinfo=UTC))
    assert type(record.birth_date) is date
    assert compare_birth(record, person(birth_date=BIRTH)) is BirthAgreement.EXACT


def test_age_gives_a_birth_year_relative_to_the_list_date():
    assert make_record(id=1, age=35, as_of=date(2020, 2, 1)).birth_year == 1985
    with pytest.raises(ValueError, match="as_of"):
        make_record(id=1, age=35)


@pytest.mark.parametrize(("raw", "sex"), [("男", "M"), ("女", "F"), ("m", "M"), ("Ｆ", "F"), ("?", "")])
def test_sex_inputs(raw, sex):
    assert make_record(id=1, sex=raw).sex == sex


def test_address_normalisation_drops_coarse_levels_and_writes_numbers_in_digits():
    assert normalize_address("湖北省武汉市江岸区幸福社区三栋二单元") == "幸福社区 3栋 2单元"
    assert normalize_address("城关镇十二组") == "城关镇 12组"
    assert normalize_address("阳光小区3-2-301") == "阳光小区 3 2 301"
    assert normalize_address("武汉市") == ""


# --- comparators -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("other", "level"),
    [
        (ID, IdAgreement.EXACT),
        (one_digit_typo(ID, 3), IdAgreement.ONE_DIGIT),
        (one_digit_typo(ID, 17), IdAgreement.ONE_DIGIT),
        (transposed(ID), IdAgreement.TRANSPOSED),
        (TWIN_ID, IdAgreement.SAME_BIRTH_PART),
        (OTHER_ID, IdAgreement.DIFFERENT),
        ("", IdAgreement.MISSING),
        ("4.20102E+17", IdAgreement.MISSING),
    ],
)
def test_compare_id(other, level):
    a, b = person(id_number=ID), person(id_number=other)
    assert compare_id(a, b) is level
    assert compare_id(b, a) is level


def test_a_damaged_flag_makes_the_id_missing_even_if_the_digits_are_equal():
    a = Record(id=1, id_number=ID, id_damaged=True)
    assert compare_id(a, Record(id=2, id_number=ID)) is IdAgreement.MISSING


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ({"birth_date": BIRTH}, {"birth_date": BIRTH}, BirthAgreement.EXACT),
        ({"birth_date": BIRTH}, {"birth_date": date(1985, 12, 3)}, BirthAgreement.MONTH_DAY_SWAPPED),
        ({"birth_date": BIRTH}, {"birth_date": date(1985, 3, 13)}, BirthAgreement.ONE_DIGIT),
        ({"birth_date": BIRTH}, {"birth_date": date(1986, 3, 12)}, BirthAgreement.ONE_DIGIT),
        ({"birth_date": BIRTH}, {"birth_date": date(1985, 7, 30)}, BirthAgreement.DIFFERENT),
        ({"birth_date": BIRTH}, {"birth_year": 1985}, BirthAgreement.YEAR_ONLY),
        ({"birth_year": 1985}, {"birth_year": 1986}, BirthAgreement.YEAR_NEAR),
        ({"birth_year": 1985}, {"birth_year": 1990}, BirthAgreement.DIFFERENT),
        ({"birth_date": BIRTH}, {}, BirthAgreement.MISSING),
    ],
)
def test_compare_birth(a, b, level):
    x, y = person(**a), person(**b)
    assert compare_birth(x, y) is level
    assert compare_birth(y, x) is level


def test_compare_sex():
    assert compare_sex("M", "M") is SexAgreement.SAME
    assert compare_sex("M", "F") is SexAgreement.DIFFERENT
    assert compare_sex("", "F") is SexAgreement.MISSING


@pytest.mark.parametrize(
    ("raw", "level"),
    [
        ("+86 138 1234 5678", PhoneAgreement.EXACT),
        ("8613812345678", PhoneAgreement.EXACT),
        ("138-1234-5678", PhoneAgreement.EXACT),
        ("１３８１２３４５６７８", PhoneAgreement.EXACT),
        ("13812345679", PhoneAgreement.ONE_DIGIT),
        ("15912345678", PhoneAgreement.LAST8),
        ("13987654321", PhoneAgreement.DIFFERENT),
        ("", PhoneAgreement.MISSING),
        ("12345", PhoneAgreement.MISSING),
    ],
)
def test_compare_phone(raw, level):
    a, b = person(phone=PHONE), person(phone=raw)
    assert compare_phone(a.phone, b.phone) is level
    assert compare_phone(b.phone, a.phone) is level


def test_landlines_agree_on_the_last_eight_digits():
    assert compare_phone("0755-12345678", "0731-12345678") is PhoneAgreement.LAST8


@pytest.mark.parametrize(
    ("other", "level"),
    [
        ("湖北省武汉市江岸区幸福社区3栋2单元", AddressAgreement.SAME),
        ("幸福社区三栋", AddressAgreement.SAME),
        ("幸福社区", AddressAgreement.SAME),
        ("幸福社区5栋2单元", AddressAgreement.SIMILAR),
        ("辛福社区3栋2单元", AddressAgreement.SIMILAR),
        ("光明村十二组", AddressAgreement.DIFFERENT),
        ("", AddressAgreement.MISSING),
    ],
)
def test_compare_address(other, level):
    a = normalize_address("江岸区幸福社区3栋2单元")
    b = normalize_address(other)
    assert compare_address(a, b) is level
    assert compare_address(b, a) is level


# --- weights ---------------------------------------------------------------------


def test_weights_agree_positive_disagree_negative_missing_zero():
    for table in (
        DEFAULT_WEIGHTS.id_number,
        DEFAULT_WEIGHTS.name,
        DEFAULT_WEIGHTS.birth,
        DEFAULT_WEIGHTS.sex,
        DEFAULT_WEIGHTS.phone,
        DEFAULT_WEIGHTS.address,
    ):
        for level, weight in table.items():
            if level in ("missing", "unknown"):
                assert weight == 0
            elif level == "different":
                assert weight < 0
            else:
                assert weight > 0
    assert DEFAULT_WEIGHTS.name[NameAgreement.EXACT] > DEFAULT_WEIGHTS.name[NameAgreement.SAME_PINYIN]
    assert DEFAULT_WEIGHTS.name[NameAgreement.SAME_PINYIN] > DEFAULT_WEIGHTS.name[NameAgreement.FOLDED_PINYIN]
    assert DEFAULT_WEIGHTS.name[NameAgreement.FOLDED_PINYIN] > DEFAULT_WEIGHTS.name[NameAgreement.CLOSE]
    assert MATCH_THRESHOLD > REVIEW_THRESHOLD


def test_weights_refuse_a_missing_level():
    with pytest.raises(ValueError, match="missing weights"):
        replace(DEFAULT_WEIGHTS, sex={SexAgreement.SAME: 1.0})


def test_default_weights_are_read_only():
    with pytest.raises(TypeError):
        DEFAULT_WEIGHTS.name[NameAgreement.EXACT] = 99.0  # type: ignore[index]


# --- score and decisions ---------------------------------------------------------


def test_equal_valid_ids_match_and_a_different_name_stays_in_the_evidence():
    result = score(person(name="张伟", id_number=ID), person(name="李强", id_number=ID))
    assert (result.decision, result.rule) == (MATCH, RULE_ID_EQUAL)
    assert result.levels["name"] == "different"
    assert result.levels["id_number"] == "exact"


def test_one_digit_typo_with_same_name_and_phone_matches():
    result = score(
        person(name="张伟", id_number=ID, phone=PHONE),
        person(name="张伟", id_number=one_digit_typo(ID), phone=PHONE),
    )
    assert (result.id_number, result.decision, result.rule) == (IdAgreement.ONE_DIGIT, MATCH, RULE_SCORE)


def test_one_digit_typo_with_same_name_alone_matches():
    result = score(person(name="张伟", id_number=ID), person(name="张伟", id_number=one_digit_typo(ID)))
    assert result.decision == MATCH


def test_one_digit_typo_with_homophone_name_is_reviewed():
    result = score(person(name="张伟", id_number=ID), person(name="张玮", id_number=one_digit_typo(ID)))
    assert (result.name, result.decision) == (NameAgreement.SAME_PINYIN, REVIEW)


def test_one_digit_typo_with_different_name_does_not_match():
    result = score(person(name="张伟", id_number=ID), person(name="李强", id_number=one_digit_typo(ID)))
    assert result.decision == NON_MATCH


def test_transposed_id_with_same_name_matches():
    result = score(person(name="张伟", id_number=ID), person(name="张伟", id_number=transposed(ID)))
    assert (result.id_number, result.decision) == (IdAgreement.TRANSPOSED, MATCH)


def test_valid_ids_differing_in_sequence_with_similar_names_are_at_most_review():
    # Twins: same address and birth part, both numbers valid, names one character apart.
    a = person(name="张小明", id_number=ID, phone=PHONE, address="幸福社区3栋")
    b = person(name="张小亮", id_number=TWIN_ID, phone=PHONE, address="幸福社区3栋")
    result = score(a, b)
    assert result.total >= MATCH_THRESHOLD
    assert (result.decision, result.rule) == (REVIEW, RULE_ID_CONFLICT)


def test_valid_ids_differing_in_sequence_with_different_names_do_not_match():
    result = score(person(name="张小明", id_number=ID), person(name="李四", id_number=TWIN_ID))
    assert (result.decision, result.rule) == (NON_MATCH, RULE_ID_CONFLICT)


def test_valid_ids_with_different_birth_part_never_match():
    a = person(name="张伟", id_number=ID, phone=PHONE)
    b = person(name="张伟", id_number=OTHER_ID, phone=PHONE)
    assert (score(a, b).decision, score(a, b).rule) == (NON_MATCH, RULE_ID_CONFLICT)


def test_excel_damaged_ids_never_count_as_agreement():
    a = person(name="张伟", id_number="4.20102E+17")
    b = person(name="李强", id_number="4.20102E+17")
    result = score(a, b)
    assert result.id_number is IdAgreement.MISSING
    assert result.decision == NON_MATCH
    assert not [k for k in blocking_keys(a) if k.startswith("id")]


def test_damaged_id_against_registry_relies_on_other_fields():
    registry = person(name="张伟", id_number=ID)
    listed = person(name="张伟", id_number="4.20102E+17")
    result = score(registry, listed)
    assert (result.id_number, result.decision) == (IdAgreement.MISSING, NON_MATCH)


def test_name_and_birth_date_match_without_an_id():
    result = score(person(name="张伟", birth_date=BIRTH), person(name="张伟", birth_date="1985-3-12"))
    assert result.decision == MATCH


def test_homophone_name_and_birth_date_are_reviewed():
    result = score(person(name="张伟", birth_date=BIRTH), person(name="张玮", birth_date=BIRTH))
    assert result.decision == REVIEW


def test_name_and_phone_match_without_an_id():
    assert score(
        person(name="张伟", phone=PHONE), person(name="张 伟", phone="+86 138 1234 5678")
    ).decision == (MATCH)


def test_different_name_caps_a_household_lookalike_at_review():
    a = person(name="张小明", birth_date=BIRTH, phone=PHONE, sex="男", address="幸福社区3栋")
    b = person(name="王丽", birth_date=BIRTH, phone=PHONE, sex="男", address="幸福社区3栋")
    result = score(a, b)
    assert result.total >= MATCH_THRESHOLD
    assert (result.decision, result.rule) == (REVIEW, RULE_NAME_CONFLICT)


def test_unrelated_people_do_not_match():
    a = person(name="张伟", id_number=ID, phone=PHONE)
    b = person(name="王芳", birth_date="1990-07-01", phone="13987654321")
    assert score(a, b).decision == NON_MATCH


def test_levels_evidence_lists_every_field():
    result = score(person(name="张伟"), person(name="张伟"))
    assert result.levels == {
        "id_number": "missing",
        "name": "exact",
        "birth": "missing",
        "sex": "missing",
        "phone": "missing",
        "address": "missing",
    }


# --- properties ------------------------------------------------------------------

raw_records = st.fixed_dictionaries(
    {
        "name": st.one_of(st.builds(str.__add__, surnames, given_names), st.just("")),
        "id_number": st.one_of(ids, ids.map(one_digit_typo), st.just(""), st.just("4.20102E+17")),
        "phone": st.one_of(mobiles, st.just("")),
        "birth_year": st.one_of(st.none(), st.integers(1930, 2019)),
        "sex": st.sampled_from(["", "男", "女"]),
        "address": st.sampled_from(["", "幸福社区3栋", "光明村十二组", "幸福社区5栋2单元"]),
    }
)


@given(raw_records, raw_records)
def test_score_is_symmetric(raw_a, raw_b):
    a, b = make_record(id=1, **raw_a), make_record(id=2, **raw_b)
    assert score(a, b) == score(b, a)


@given(raw_records)
def test_a_record_matches_itself_with_a_valid_id_or_name_birth_and_phone(raw):
    record = make_record(id=1, **raw)
    assume(record.id_valid or (record.name and record.birth_year is not None and record.phone))
    assert score(record, record).decision == MATCH


def homophone_swap(name, data):
    positions = [i for i, c in enumerate(name) if i > 0 and any(c in g for g in HOMOPHONE_GROUPS)]
    i = data.draw(st.sampled_from(positions))
    group = next(g for g in HOMOPHONE_GROUPS if name[i] in g)
    return substitute(name, i, data.draw(st.sampled_from([c for c in group if c != name[i]])))


def reformat_phone(phone, data):
    style = data.draw(st.sampled_from(["+86 {} {} {}", "{}-{}-{}", "86{}{}{}", "（+86）{} {}{}"]))
    return style.format(phone[:3], phone[3:7], phone[7:])


@given(raw_records, st.sampled_from(["id", "name", "phone"]), st.data())
def test_one_typo_still_shares_a_blocking_key(raw, typo, data):
    typed = dict(raw)
    if typo == "id":
        assume(make_record(id=1, id_number=raw["id_number"]).id_valid)
        index = data.draw(st.integers(0, 17))
        choices = [c for c in "0123456789X" if c != raw["id_number"][index] and (index == 17 or c != "X")]
        typed["id_number"] = substitute(raw["id_number"], index, data.draw(st.sampled_from(choices)))
    elif typo == "name":
        assume(raw["name"])
        typed["name"] = homophone_swap(raw["name"], data)
    else:
        assume(raw["phone"])
        typed["phone"] = reformat_phone(raw["phone"], data)
    original, changed = make_record(id=1, **raw), make_record(id=2, **typed)
    # A mistyped number that ends in 000 is indistinguishable from Excel's damage and
    # is rightly dropped (idcard.looks_excel_damaged).
    assume(not changed.id_damaged)
    # A typo can only be bridged by some other field: a name-only row has nothing else.
    assume(blocking_keys(original) != (f"nm:{original.name}",) or typo == "phone")
    assert set(blocking_keys(original)) & set(blocking_keys(changed))


def test_blocking_keys_for_a_full_record():
    record = person(name="张伟", id_number=ID, phone="+86 138 1234 5678")
    assert blocking_keys(record) == (
        f"id:{ID}",
        f"idp:{ID[:14]}",
        f"ida:{ID[6:]}",
        f"idy:{ID[:6]}{ID[10:]}",
        f"idm:{ID[:10]}{ID[14:]}",
        "ph:12345678",
        "nk:zanwei1985",
    )
    assert blocking_keys(person(name="张晓明", birth_year=1985)) == ("nk:zanxiaomin1985", "nkf:zanxm1985")


def test_key_parts_compose_the_blocking_keys():
    record = person(name="张伟", id_number=ID, phone=PHONE)
    registry_side = (*id_keys(ID), *phone_keys(PHONE), *name_keys("张伟", 1985, for_index=True))
    assert blocking_keys(record, for_index=True) == registry_side
    assert name_keys("不详", 1985) == ()
    assert name_keys("张伟", None) == ("nm:张伟",)
    assert id_keys("12345") == ()
    assert phone_keys("") == ()


def test_name_only_rows_block_on_the_exact_name_and_the_index_always_carries_it():
    assert blocking_keys(person(name="张伟")) == ("nm:张伟",)
    assert "nm:张伟" not in blocking_keys(person(name="张伟", phone=PHONE))
    assert "nm:张伟" in blocking_keys(person(name="张伟", phone=PHONE), for_index=True)
    assert "nm:张伟" in blocking_keys(person(name="张伟", id_number=ID), for_index=True)
    assert "nm:张伟" not in blocking_keys(person(name="张伟", id_number=ID))
    assert blocking_keys(person()) == ()
