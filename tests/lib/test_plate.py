import pytest
from hypothesis import given
from hypothesis import strategies as st

from epigrid.lib.plate import (
    PROVINCE_CHARS,
    WARN_EMPTY,
    WARN_ISSUER,
    WARN_LENGTH,
    WARN_NEW_ENERGY,
    WARN_PROVINCE,
    WARN_SERIAL_CHARS,
    PlateResult,
    check_plate,
)

SERIAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"

ordinary_plates = st.builds(
    lambda province, issuer, serial: province + issuer + serial,
    st.sampled_from(sorted(PROVINCE_CHARS)),
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    st.text(alphabet=SERIAL_ALPHABET, min_size=5, max_size=5),
)


def test_ordinary_plate_is_valid():
    assert check_plate("京A12345") == PlateResult(normalized="京A12345", valid=True)


def test_spaces_dots_dashes_and_case_are_normalized():
    assert check_plate(" 沪a·b-12.3 4 ").normalized == "沪AB1234"


def test_full_width_letters_are_folded():
    assert check_plate("粤Ｂ１２３４５").normalized == "粤B12345"


@pytest.mark.parametrize("raw", ["京AD12345", "京AF1234K", "京A12345D", "京A1234KF"])
def test_new_energy_plate_is_valid(raw):
    result = check_plate(raw)
    assert result.valid
    assert result.is_new_energy


def test_six_character_serial_without_d_or_f_warns():
    result = check_plate("京A123456")
    assert not result.valid
    assert not result.is_new_energy
    assert result.warnings == (WARN_NEW_ENERGY,)


@pytest.mark.parametrize("raw", ["京A1234警", "京A1234学", "京A1234挂", "粤Z1234港", "粤Z1234澳"])
def test_suffix_replaces_last_serial_character(raw):
    assert check_plate(raw).valid


def test_suffix_after_five_characters_warns_about_length():
    assert check_plate("京A12345警").warnings == (WARN_LENGTH,)


def test_unknown_province_warns():
    assert check_plate("X A12345").warnings == (WARN_PROVINCE,)


def test_missing_issuer_letter_warns():
    assert check_plate("京112345").warnings == (WARN_ISSUER,)


def test_letter_i_in_serial_warns():
    assert check_plate("京A1234I").warnings == (WARN_SERIAL_CHARS,)


def test_short_plate_warns_about_length():
    assert check_plate("京A1234").warnings == (WARN_LENGTH,)


def test_empty_plate_warns():
    assert check_plate("  ") == PlateResult(normalized="", valid=False, warnings=(WARN_EMPTY,))


def test_invalid_plate_keeps_what_was_typed():
    assert check_plate("military 123").normalized == "MILITARY123"


@given(ordinary_plates)
def test_generated_ordinary_plates_are_valid(plate):
    result = check_plate(plate)
    assert result.valid
    assert not result.is_new_energy


@given(st.text())
def test_check_plate_never_raises_on_arbitrary_text(raw):
    result = check_plate(raw)
    assert result.valid == (not result.warnings)
