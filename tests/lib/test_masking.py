from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epigrid.lib.idcard import make_id
from epigrid.lib.masking import mask_id_number, mask_name, mask_phone

valid_ids = st.builds(
    make_id,
    address_code=st.from_regex(r"[1-8][0-9]{5}", fullmatch=True),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 6, 1)),
    sequence=st.integers(0, 999),
)


def test_id_number_keeps_first_six_and_last_four():
    assert mask_id_number("11010519491231002X") == "110105********002X"


def test_id_number_lower_case_x_is_upper_cased():
    assert mask_id_number("11010519491231002x") == "110105********002X"


def test_15_digit_id_number_hides_whole_birth_date():
    assert mask_id_number("110105491231002") == "110105******002"


def test_short_id_number_is_fully_starred():
    assert mask_id_number("1101051949") == "**********"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing_id_number_masks_to_empty(value):
    assert mask_id_number(value) == ""


def test_non_string_id_number_does_not_raise():
    assert mask_id_number(4.20106e17) == "***********"  # type: ignore[arg-type]


def test_mobile_keeps_first_three_and_last_four():
    assert mask_phone("13800001234") == "138****1234"


def test_mobile_is_masked_in_normalized_form():
    assert mask_phone("+86 138-0000-1234") == "138****1234"


def test_landline_keeps_area_code_and_last_two():
    assert mask_phone("010-12345678") == "010-******78"


def test_invalid_phone_is_fully_starred():
    assert mask_phone("12345") == "*****"


@pytest.mark.parametrize("value", [None, "", " "])
def test_missing_phone_masks_to_empty(value):
    assert mask_phone(value) == ""


def test_two_character_name_keeps_surname():
    assert mask_name("张三") == "张*"


def test_four_character_name_keeps_first_character():
    assert mask_name("欧阳小明") == "欧***"


def test_single_character_name_is_fully_starred():
    assert mask_name("张") == "*"


@pytest.mark.parametrize("value", [None, ""])
def test_missing_name_masks_to_empty(value):
    assert mask_name(value) == ""


@given(valid_ids)
def test_masked_id_never_contains_birth_date(value):
    assert value[6:14] not in mask_id_number(value)


@given(st.text(alphabet="0123456789", min_size=18, max_size=18))
def test_masked_digits_never_contain_middle_eight(value):
    assert value[6:14] not in mask_id_number(value)


@given(st.one_of(st.none(), st.text()))
def test_masking_never_raises_on_arbitrary_text(value):
    mask_id_number(value)
    mask_phone(value)
    mask_name(value)


@given(st.text())
def test_masked_name_reveals_at_most_the_first_character(value):
    masked = mask_name(value)
    assert len(masked) == len(value.strip())
    assert set(masked[1:]) <= {"*"}
