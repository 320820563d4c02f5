"""Validate, normalise and build Chinese citizen ID numbers (GB 11643-1999)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from operator import mul

ERR_EMPTY = "身份证号为空"
ERR_LENGTH = "身份证号长度应为18位（或15位旧号）"
ERR_CHARS = "身份证号只能由数字组成，末位可为X"
ERR_BIRTH_DATE = "身份证号中的出生日期无效（不存在、早于1900年或晚于今天）"
ERR_CHECK_DIGIT = "身份证号校验位错误"
ERR_EXCEL_DAMAGED = "身份证号已被Excel损坏（科学计数法、小数或末三位变成000），请按原始证件重新录入"
ERR_FIRST17 = "身份证号前17位应为17位数字"
ERR_OLD_15 = "旧身份证号应为15位数字"
ERR_ADDRESS_CODE = "地址码应为6位数字"
ERR_SEQUENCE = "顺序码应为0至999之间的整数"
WARN_UNKNOWN_PROVINCE = "身份证号前两位不是已知的省级行政区划代码，请核对"
WARN_UPGRADED_15 = "15位旧身份证号已自动升级为18位"

SEX_MALE = "M"
SEX_FEMALE = "F"

# GB 11643-1999 weights are 2**(17-i) mod 11; every weight is non-zero mod 11, which is
# why any single-digit substitution changes the check character.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# sum((b - 48) * w) == sum(b * w) - 48 * sum(w): lets us multiply raw ASCII bytes without
# converting each character, which matters when the demo generator builds ~1M numbers.
_ASCII_ZERO_OFFSET = ord("0") * sum(_WEIGHTS)
_CHECK_CHARS = "10X98765432"

# Province-level codes (GB/T 2260) plus 81/82/83 for HK/Macau/Taiwan residence permits.
# Codes get reorganised, so an unknown prefix only ever produces a warning.
PROVINCE_CODES = frozenset(
    f"{code:02d}"
    for code in (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
        83,
    )
)

# Nobody born before 1900 is still alive, so an earlier date is a typo in practice. The
# standard's own example 440524188001010014 (born 1880) needs min_birth=date(1880, 1, 1).
MIN_BIRTH_DATE = date(1900, 1, 1)
# China has had no daylight saving since 1991, so a fixed offset avoids a tzdata dependency.
_CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

# Full-width ASCII block (！..～) maps onto ASCII by a fixed offset; the ideographic space
# becomes a space, and zero-width characters that ride along with web/Excel copies vanish.
_HALFWIDTH = str.maketrans(
    {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
    | {0x3000: 0x20}
    | dict.fromkeys((0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF))
)

# re.ASCII so that e.g. Arabic-Indic digits are not silently accepted as \d.
_SCIENTIFIC_RE = re.compile(r"\d+(?:\.\d*)?[eE][+-]?\d+", re.ASCII)
_FLOAT_RE = re.compile(r"\d+\.\d*", re.ASCII)
_ID_CHARS_RE = re.compile(r"[0-9X]+")
_DIGITS_RE = re.compile(r"[0-9]+")


@dataclass(frozen=True, slots=True)
class IdParseResult:
    """Outcome of parsing one ID number as typed or imported."""

    normalized: str | None
    valid: bool
    error: str | None = None
    warnings: tuple[str, ...] = ()
    upgraded_from_15: bool = False
    excel_damaged: bool = False
    birth_date: date | None = None
    sex: str | None = None
    address_code: str | None = None


def clean_input(raw: str) -> str:
    """Return raw with width folded, whitespace removed and an Excel apostrophe stripped."""
    text = "".join(raw.translate(_HALFWIDTH).split())
    # A leading apostrophe is how Excel users force a cell to text; it is not data.
    return text.removeprefix("'")


def _check_char_unchecked(first17: str) -> str:
    """Compute the check character for 17 ASCII digits already known to be valid."""
    total = sum(map(mul, first17.encode("ascii"), _WEIGHTS)) - _ASCII_ZERO_OFFSET
    return _CHECK_CHARS[total % 11]


def _is_ascii_digits(text: str, length: int) -> bool:
    """Tell whether text is exactly length ASCII digits."""
    return len(text) == length and text.isascii() and text.isdigit()


def check_char(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits."""
    if not _is_ascii_digits(first17, 17):
        raise ValueError(ERR_FIRST17)
    return _check_char_unchecked(first17)


def upgrade_15(old: str) -> str:
    """Upgrade a 15-digit pre-1999 number to 18 digits (insert "19", append check)."""
    if not _is_ascii_digits(old, 15):
        raise ValueError(ERR_OLD_15)
    # 15-digit numbers were only issued to people born in the 1900s.
    first17 = f"{old[:6]}19{old[6:]}"
    return first17 + _check_char_unchecked(first17)


def _birth_date(normalized18: str) -> date | None:
    """Return the embedded birth date, or None if it is not a real calendar date."""
    try:
        return date(int(normalized18[6:10]), int(normalized18[10:12]), int(normalized18[12:14]))
    except ValueError:
        return None


def _sex(normalized18: str) -> str:
    """Return "M" for an odd sequence number, "F" for an even one."""
    return SEX_MALE if int(normalized18[16]) % 2 else SEX_FEMALE


def birth_date_and_sex(normalized18: str) -> tuple[date, str]:
    """Return the birth date and sex ("M"/"F") encoded in an 18-character number."""
    if len(normalized18) != 18 or not _is_ascii_digits(normalized18[:17], 17):
        raise ValueError(ERR_FIRST17)
    birth = _birth_date(normalized18)
    if birth is None:
        raise ValueError(ERR_BIRTH_DATE)
    return birth, _sex(normalized18)


def looks_excel_damaged(raw: str) -> bool:
    """Tell whether raw looks like an ID that Excel turned into a number."""
    text = clean_input(raw)
    if _SCIENTIFIC_RE.fullmatch(text) or _FLOAT_RE.fullmatch(text):
        return True
    # Excel keeps 15 significant digits, so an 18-digit number loses its last three to
    # "000". A genuine ID can end in 000 too, hence the check digit must also fail.
    return (
        _is_ascii_digits(text, 18) and text.endswith("000") and _check_char_unchecked(text[:17]) != text[17]
    )


def _today_in_china() -> date:
    """Return today's date in China, whatever the server's time zone."""
    return datetime.now(_CHINA_TZ).date()


def parse_id(raw: str, *, today: date | None = None, min_birth: date = MIN_BIRTH_DATE) -> IdParseResult:
    """Parse and validate an ID number as typed, pasted or imported."""
    text = clean_input(raw)
    if not text:
        return IdParseResult(normalized=None, valid=False, error=ERR_EMPTY)
    # Checked before anything else: a damaged value must never be "repaired" into a
    # different person's number, so it gets its own error and no normalized form.
    if looks_excel_damaged(text):
        return IdParseResult(normalized=None, valid=False, error=ERR_EXCEL_DAMAGED, excel_damaged=True)
    text = text.upper()
    if not _ID_CHARS_RE.fullmatch(text):
        return IdParseResult(normalized=None, valid=False, error=ERR_CHARS)
    if len(text) not in (15, 18):
        return IdParseResult(normalized=None, valid=False, error=ERR_LENGTH)
    if not _DIGITS_RE.fullmatch(text[:-1]) or (len(text) == 15 and text[-1] == "X"):
        return IdParseResult(normalized=None, valid=False, error=ERR_CHARS)

    upgraded = len(text) == 15
    if upgraded:
        text = upgrade_15(text)
    birth = _birth_date(text)
    limit = today if today is not None else _today_in_china()
    if birth is None or not min_birth <= birth <= limit:
        return IdParseResult(normalized=None, valid=False, error=ERR_BIRTH_DATE, upgraded_from_15=upgraded)
    if _check_char_unchecked(text[:17]) != text[17]:
        return IdParseResult(normalized=None, valid=False, error=ERR_CHECK_DIGIT)

    warnings: list[str] = []
    if upgraded:
        warnings.append(WARN_UPGRADED_15)
    if text[:2] not in PROVINCE_CODES:
        warnings.append(WARN_UNKNOWN_PROVINCE)
    return IdParseResult(
        normalized=text,
        valid=True,
        warnings=tuple(warnings),
        upgraded_from_15=upgraded,
        birth_date=birth,
        sex=_sex(text),
        address_code=text[:6],
    )


def make_id(*, address_code: str, birth: date, sequence: int) -> str:
    """Build a valid 18-digit ID number from its parts."""
    if not _is_ascii_digits(address_code, 6):
        raise ValueError(ERR_ADDRESS_CODE)
    if not 0 <= sequence <= 999:
        raise ValueError(ERR_SEQUENCE)
    # f-string formatting rather than strftime: it is several times faster in bulk.
    first17 = f"{address_code}{birth.year:04d}{birth.month:02d}{birth.day:02d}{sequence:03d}"
    return first17 + _check_char_unchecked(first17)
