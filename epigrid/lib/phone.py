"""Normalise mainland-China mobile and landline phone numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from epigrid.lib.idcard import clean_input

ERR_EMPTY = "电话号码为空"
ERR_CHARS = "电话号码含有非法字符（只允许数字、空格、-、.、括号和+86前缀）"
ERR_FOREIGN = "只支持中国大陆电话号码（+86）"
ERR_MOBILE = "手机号应为11位数字，以13～19开头"
ERR_LANDLINE = "固定电话应为区号（010、02X或4位区号）加7～8位号码，不含分机号"
ERR_NO_AREA_CODE = "固定电话缺少区号，例如010-12345678"
ERR_FORMAT = "电话号码格式无效：应为11位手机号或带区号的固定电话"
ERR_EXCEL_DAMAGED = "电话号码已被Excel损坏（科学计数法或小数），请重新录入"

KIND_MOBILE = "mobile"
KIND_LANDLINE = "landline"

# Whitespace and full-width forms are already gone after clean_input; these are the
# remaining visual separators people type or that come out of contact exports.
_SEPARATORS = str.maketrans("", "", "-.()")
_SCIENTIFIC_RE = re.compile(r"\d+(?:\.\d*)?[eE][+-]?\d+", re.ASCII)
# Excel renders a numeric cell read back as float with a ".0" tail; a real dotted number
# such as 138.0000.1234 has two dots and is not caught here.
_EXCEL_FLOAT_RE = re.compile(r"\d{7,}\.0+", re.ASCII)
_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
# "10" (Beijing) is the only area code whose first digit after the dropped 0 is 1.
_INTERNATIONAL_LANDLINE_STARTS = ("10", "2", "3", "4", "5", "6", "7", "8", "9")
_LOCAL_ONLY_RE = re.compile(r"[2-9][0-9]{6,7}")


@dataclass(frozen=True, slots=True)
class PhoneResult:
    """Outcome of normalising one phone number."""

    normalized: str | None
    kind: str | None
    valid: bool
    error: str | None = None


def _fail(error: str) -> PhoneResult:
    """Build an invalid result carrying error."""
    return PhoneResult(normalized=None, kind=None, valid=False, error=error)


def _strip_country_code(digits: str) -> tuple[str, bool]:
    """Remove a leading +86 / 0086 / 86 and say whether one was present."""
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            return digits[len(prefix) :], True
    # No domestic number with its area code starts with 8, so a bare "86" on anything
    # longer than a local number is a country code typed without its "+".
    if digits.startswith("86") and len(digits) > 8:
        return digits[2:], True
    return digits, False


def _classify(digits: str) -> PhoneResult:
    """Classify a string of national-format digits as mobile or landline."""
    if digits.startswith("1"):
        if _MOBILE_RE.fullmatch(digits):
            return PhoneResult(normalized=digits, kind=KIND_MOBILE, valid=True)
        return _fail(ERR_MOBILE)
    if digits.startswith("0"):
        # 010 and 02X are the only three-digit area codes; 01X other than 010 does not exist.
        if digits.startswith("01") and not digits.startswith("010"):
            return _fail(ERR_LANDLINE)
        area_len = 3 if digits.startswith(("010", "02")) else 4
        area, local = digits[:area_len], digits[area_len:]
        if 7 <= len(local) <= 8:
            return PhoneResult(normalized=f"{area}-{local}", kind=KIND_LANDLINE, valid=True)
        return _fail(ERR_LANDLINE)
    if _LOCAL_ONLY_RE.fullmatch(digits):
        return _fail(ERR_NO_AREA_CODE)
    return _fail(ERR_FORMAT)


def normalize_phone(raw: str) -> PhoneResult:
    """Normalise a phone number to "1XXXXXXXXXX" or "0AAA-NNNNNNNN"."""
    text = clean_input(raw)
    if not text:
        return _fail(ERR_EMPTY)
    if _SCIENTIFIC_RE.fullmatch(text) or _EXCEL_FLOAT_RE.fullmatch(text):
        return _fail(ERR_EXCEL_DAMAGED)
    digits, international = _strip_country_code(text.translate(_SEPARATORS))
    if not digits:
        return _fail(ERR_FORMAT)
    if digits.startswith("+"):
        return _fail(ERR_FOREIGN)
    if not (digits.isascii() and digits.isdigit()):
        return _fail(ERR_CHARS)
    # In international form a landline drops its leading 0: +86 10 1234 5678.
    if international and digits.startswith(_INTERNATIONAL_LANDLINE_STARTS):
        digits = "0" + digits
    return _classify(digits)
