from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epigrid.lib.idcard import (
    ERR_ADDRESS_CODE,
    ERR_BIRTH_DATE,
    ERR_CHARS,
    ERR_CHECK_DIGIT,
    ERR_EMPTY,
    ERR_EXCEL_DAMAGED,
    ERR_FIRST17,
    ERR_LENGTH,
    ERR_OLD_15,
    ERR_SEQUENCE,
    PROVINCE_CODES,
    WARN_UNKNOWN_PROVINCE,
    WARN_UPGRADED_15,
    birth_date_and_sex,
    check_char,
    looks_excel_damaged,
    make_id,
    parse_id,
    upgrade_15,
)

TODAY = date(2025, 6, 1)
BEIJING = "11010519491231002X"
GUANGDONG_1880 = "440524188001010014"

addresses = st.builds(
    lambda province, rest: f"{province}{rest:04d}",
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.integers(0, 9999),
)
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(0, 999)
valid_ids = st.builds(make_id, address_code=addresses, birth=births, sequence=sequences)


def parse(raw: str):
    return parse_id(raw, today=TODAY)


def test_beijing_standard_example_is_valid():
    result = parse(BEIJING)
    assert result.valid
    assert result.error is None
    assert result.normalized == BEIJING
    assert result.birth_date == date(1949, 12, 31)
    assert result.sex == "F"
    assert result.address_code == "110105"
    assert result.warnings == ()


def test_guangdong_standard_example_has_correct_check_char():
    assert check_char(GUANGDONG_1880[:17]) == "4"


def test_guangdong_standard_example_is_valid_when_pre_1900_births_allowed():
    result = parse_id(GUANGDONG_1880, today=TODAY, min_birth=date(1880, 1, 1))
    assert result.valid
    assert result.birth_date == date(1880, 1, 1)
    assert result.sex == "M"


def test_birth_before_1900_is_rejected_by_default():
    assert parse(GUANGDONG_1880).error == ERR_BIRTH_DATE


def test_lower_case_x_is_normalized():
    result = parse("11010519491231002x")
    assert result.valid
    assert result.normalized == BEIJING


def test_full_width_input_is_converted():
    result = parse("１１０１０５　１９４９１２３１　００２ｘ")
    assert result.valid
    assert result.normalized == BEIJING


def test_spaces_and_excel_apostrophe_are_stripped():
    assert parse(" '110105 19491231 002X ").normalized == BEIJING


def test_zero_width_characters_are_stripped():
    assert parse("\ufeff11010519491231\u200b002X").normalized == BEIJING


def test_15_digit_number_is_upgraded():
    assert upgrade_15("110105491231002") == BEIJING


def test_parse_upgrades_15_digit_number_with_warning():
    result = parse("110105491231002")
    assert result.valid
    assert result.upgraded_from_15
    assert result.normalized == BEIJING
    assert result.warnings == (WARN_UPGRADED_15,)


def test_upgrade_15_rejects_non_digits():
    with pytest.raises(ValueError, match=ERR_OLD_15):
        upgrade_15("11010549123100X")


def test_empty_input_is_rejected():
    assert parse("  ").error == ERR_EMPTY


def test_wrong_length_is_rejected():
    assert parse("1101051949123100").error == ERR_LENGTH


def test_letters_are_rejected():
    assert parse("11010519491231002Y").error == ERR_CHARS


def test_x_before_last_position_is_rejected():
    assert parse("1101051949123100X2").error == ERR_CHARS


def test_15_digit_number_ending_in_x_is_rejected():
    assert parse("11010549123100X").error == ERR_CHARS


def test_bad_check_digit_is_rejected():
    result = parse("110105194912310021")
    assert not result.valid
    assert result.error == ERR_CHECK_DIGIT
    assert result.normalized is None


def test_february_30_is_rejected():
    first17 = "11010519900230001"
    assert parse(first17 + check_char(first17)).error == ERR_BIRTH_DATE


def test_future_birth_date_is_rejected():
    future = make_id(address_code="110105", birth=date(2025, 6, 2), sequence=1)
    assert parse(future).error == ERR_BIRTH_DATE


def test_birth_date_today_is_accepted():
    assert parse(make_id(address_code="110105", birth=TODAY, sequence=1)).valid


def test_unknown_province_is_only_a_warning():
    result = parse(make_id(address_code="990105", birth=date(1990, 1, 1), sequence=1))
    assert result.valid
    assert result.warnings == (WARN_UNKNOWN_PROVINCE,)


def test_residence_permit_province_is_known():
    assert parse(make_id(address_code="830000", birth=date(1990, 1, 1), sequence=1)).warnings == ()


@pytest.mark.parametrize("raw", ["4.20106E+17", "4.20106e17", "420106E+12", "4.20106E-17"])
def test_scientific_notation_is_excel_damage(raw):
    result = parse(raw)
    assert not result.valid
    assert result.excel_damaged
    assert result.error == ERR_EXCEL_DAMAGED
    assert result.normalized is None


def test_float_looking_value_is_excel_damage():
    assert looks_excel_damaged("420106199001011234.0")


def test_trailing_000_with_bad_check_digit_is_excel_damage():
    result = parse("420106199001011000")
    assert result.excel_damaged
    assert result.error == ERR_EXCEL_DAMAGED


def test_trailing_000_with_good_check_digit_is_not_excel_damage():
    genuine = make_id(address_code="420106", birth=date(1990, 1, 18), sequence=0)
    assert genuine.endswith("000")
    assert not looks_excel_damaged(genuine)
    assert parse(genuine).valid


def test_valid_id_is_not_excel_damage():
    assert not looks_excel_damaged(BEIJING)


def test_birth_date_and_sex_reads_embedded_fields():
    assert birth_date_and_sex(BEIJING) == (date(1949, 12, 31), "F")


def test_birth_date_and_sex_rejects_impossible_date():
    with pytest.raises(ValueError, match=ERR_BIRTH_DATE):
        birth_date_and_sex("110105199002300011")


def test_check_char_rejects_wrong_length():
    with pytest.raises(ValueError, match=ERR_FIRST17):
        check_char("1101051949123100")


def test_make_id_rejects_bad_address_code():
    with pytest.raises(ValueError, match=ERR_ADDRESS_CODE):
        make_id(address_code="11010", birth=date(1990, 1, 1), sequence=1)


def test_make_id_rejects_out_of_range_sequence():
    with pytest.raises(ValueError, match=ERR_SEQUENCE):
        make_id(address_code="110105", birth=date(1990, 1, 1), sequence=1000)


@given(address=addresses, birth=births, sequence=sequences)
def test_make_id_output_parses_with_same_birth_and_sex(address, birth, sequence):
    result = parse(make_id(address_code=address, birth=birth, sequence=sequence))
    assert result.valid
    assert result.birth_date == birth
    assert result.sex == ("M" if sequence % 2 else "F")
    assert result.address_code == address


@given(valid=valid_ids, position=st.integers(0, 17), data=st.data())
def test_any_single_character_substitution_is_rejected(valid, position, data):
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != valid[position]]))
    mutated = valid[:position] + replacement + valid[position + 1 :]
    assert not parse(mutated).valid


@given(
    address=addresses,
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)),
    sequence=sequences,
)
def test_upgrade_15_output_always_validates(address, birth, sequence):
    old = f"{address}{birth:%y%m%d}{sequence:03d}"
    result = parse(upgrade_15(old))
    assert result.valid
    assert result.birth_date == birth


@given(st.text())
def test_parse_id_never_raises_on_arbitrary_text(raw):
    result = parse(raw)
    assert result.valid == (result.error is None)
