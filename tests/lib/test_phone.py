import pytest
from hypothesis import given
from hypothesis import strategies as st

from epigrid.lib.phone import (
    ERR_CHARS,
    ERR_EMPTY,
    ERR_EXCEL_DAMAGED,
    ERR_FOREIGN,
    ERR_FORMAT,
    ERR_LANDLINE,
    ERR_MOBILE,
    ERR_NO_AREA_CODE,
    KIND_LANDLINE,
    KIND_MOBILE,
    PhoneResult,
    normalize_phone,
)

MOBILE = PhoneResult(normalized="13800001234", kind=KIND_MOBILE, valid=True)

mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
landlines = st.one_of(
    st.from_regex(r"0(10|2[0-9])-?[2-9][0-9]{6,7}", fullmatch=True),
    st.from_regex(r"0[3-9][0-9]{2}-?[2-9][0-9]{6,7}", fullmatch=True),
)
prefixes = st.sampled_from(["", "+86", "+86 ", "86", "0086", "(+86) "])


@pytest.mark.parametrize(
    "raw",
    [
        "13800001234",
        "138 0000 1234",
        "138-0000-1234",
        "138.0000.1234",
        "(138)00001234",
        "１３８００００１２３４",
    ],
)
def test_mobile_separators_and_full_width_are_removed(raw):
    assert normalize_phone(raw) == MOBILE


@pytest.mark.parametrize("raw", ["+8613800001234", "+86 138 0000 1234", "8613800001234", "0086-13800001234"])
def test_country_code_is_removed_from_mobile(raw):
    assert normalize_phone(raw) == MOBILE


def test_excel_apostrophe_is_stripped():
    assert normalize_phone("'13800001234") == MOBILE


def test_beijing_landline_has_three_digit_area_code():
    assert normalize_phone("01012345678") == PhoneResult(
        normalized="010-12345678", kind=KIND_LANDLINE, valid=True
    )


def test_02x_landline_has_three_digit_area_code():
    assert normalize_phone("(021) 6123 4567").normalized == "021-61234567"


def test_other_landline_has_four_digit_area_code():
    assert normalize_phone("0755-2345678").normalized == "0755-2345678"


def test_international_landline_regains_leading_zero():
    assert normalize_phone("+86 10 6123 4567").normalized == "010-61234567"


def test_mobile_with_wrong_second_digit_is_rejected():
    assert normalize_phone("12345678901") == PhoneResult(
        normalized=None, kind=None, valid=False, error=ERR_MOBILE
    )


def test_mobile_with_missing_digit_is_rejected():
    assert normalize_phone("1380000123").error == ERR_MOBILE


def test_landline_extension_is_rejected():
    assert normalize_phone("010-12345678-123").error == ERR_LANDLINE


def test_nonexistent_01x_area_code_is_rejected():
    assert normalize_phone("013800001234").error == ERR_LANDLINE


def test_local_number_without_area_code_is_rejected():
    assert normalize_phone("61234567").error == ERR_NO_AREA_CODE


def test_empty_input_is_rejected():
    assert normalize_phone(" ").error == ERR_EMPTY


def test_letters_are_rejected():
    assert normalize_phone("138OOOO1234").error == ERR_CHARS


def test_foreign_country_code_is_rejected():
    assert normalize_phone("+1 415 555 0100").error == ERR_FOREIGN


def test_unrecognisable_digits_are_rejected():
    assert normalize_phone("999").error == ERR_FORMAT


@pytest.mark.parametrize("raw", ["1.38001E+10", "1.38001e10", "13800001234.0"])
def test_excel_damage_is_detected(raw):
    assert normalize_phone(raw).error == ERR_EXCEL_DAMAGED


@given(prefix=prefixes, number=mobiles)
def test_prefixed_mobile_normalizes_to_bare_number(prefix, number):
    assert normalize_phone(prefix + number).normalized == number


@given(prefix=st.sampled_from(["", "+86 "]), number=st.one_of(mobiles, landlines))
def test_normalization_is_idempotent(prefix, number):
    first = normalize_phone(prefix + number)
    assert first.valid
    assert first.normalized is not None
    assert normalize_phone(first.normalized) == first


@given(st.text())
def test_normalization_is_idempotent_on_arbitrary_text(raw):
    first = normalize_phone(raw)
    if first.normalized is not None:
        assert normalize_phone(first.normalized) == first
    else:
        assert not first.valid
