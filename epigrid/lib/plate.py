"""Check mainland-China vehicle licence plates (GA 36) without ever rejecting input."""

from __future__ import annotations

from dataclasses import dataclass
from string import ascii_uppercase

from epigrid.lib.idcard import clean_input

WARN_EMPTY = "车牌号为空"
WARN_PROVINCE = "车牌号第1位应为省份简称（如京、沪、粤）"
WARN_ISSUER = "车牌号第2位应为发牌机关代号字母A～Z"
WARN_LENGTH = "车牌号长度不符：普通车牌7位（含警、学、挂、港、澳尾字），新能源车牌8位"
WARN_SERIAL_CHARS = "车牌序号只能由数字和字母组成（不含字母I和O）"
WARN_NEW_ENERGY = "新能源车牌序号的首位或末位应为D或F"

PROVINCE_CHARS = frozenset("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼")
SUFFIX_CHARS = frozenset("警学挂港澳")
_ISSUER_CHARS = frozenset(ascii_uppercase)
# I and O are excluded from serials because they are indistinguishable from 1 and 0.
_SERIAL_CHARS = frozenset(ascii_uppercase.replace("I", "").replace("O", "") + "0123456789")
_NEW_ENERGY_MARKS = frozenset("DF")
_ORDINARY_SERIAL_LEN = 5
_NEW_ENERGY_SERIAL_LEN = 6
# The suffix character takes the place of the last serial character.
_SUFFIXED_SERIAL_LEN = _ORDINARY_SERIAL_LEN - 1
# Plates are often written 京A·12345 or 京A-12345; the dot is decoration, not data.
_SEPARATORS = str.maketrans("", "", "-.·•・")


@dataclass(frozen=True, slots=True)
class PlateResult:
    """Outcome of checking one plate; invalid plates are still recorded as seen."""

    normalized: str
    valid: bool
    warnings: tuple[str, ...] = ()
    is_new_energy: bool = False


def normalize_plate(raw: str) -> str:
    """Return raw upper-cased with width folded and spaces, dots and dashes removed."""
    return clean_input(raw).translate(_SEPARATORS).upper()


def _serial_warnings(serial: str, *, suffixed: bool, new_energy: bool) -> list[str]:
    """Return the warnings for the serial part after province and issuer."""
    warnings: list[str] = []
    if suffixed:
        expected: tuple[int, ...] = (_SUFFIXED_SERIAL_LEN,)
    else:
        expected = (_ORDINARY_SERIAL_LEN, _NEW_ENERGY_SERIAL_LEN)
    if len(serial) not in expected:
        warnings.append(WARN_LENGTH)
    if not set(serial) <= _SERIAL_CHARS:
        warnings.append(WARN_SERIAL_CHARS)
    if not suffixed and len(serial) == _NEW_ENERGY_SERIAL_LEN and not new_energy:
        warnings.append(WARN_NEW_ENERGY)
    return warnings


def check_plate(raw: str) -> PlateResult:
    """Check a plate and return its normal form with warnings instead of errors."""
    # Checkpoint staff must be able to record whatever is on the car, so nothing here
    # raises: problems become warnings and the cleaned text is kept as-is.
    plate = normalize_plate(raw) if raw else ""
    if not plate:
        return PlateResult(normalized="", valid=False, warnings=(WARN_EMPTY,))

    warnings: list[str] = []
    if plate[0] not in PROVINCE_CHARS:
        warnings.append(WARN_PROVINCE)
    if plate[1:2] not in _ISSUER_CHARS:
        warnings.append(WARN_ISSUER)
    body = plate[2:]
    suffixed = body[-1:] in SUFFIX_CHARS
    serial = body[:-1] if suffixed else body
    new_energy = (
        not suffixed
        and len(serial) == _NEW_ENERGY_SERIAL_LEN
        and (serial[0] in _NEW_ENERGY_MARKS or serial[-1] in _NEW_ENERGY_MARKS)
    )
    warnings.extend(_serial_warnings(serial, suffixed=suffixed, new_energy=new_energy))
    return PlateResult(
        normalized=plate,
        valid=not warnings,
        warnings=tuple(warnings),
        is_new_energy=new_energy,
    )
