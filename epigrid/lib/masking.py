"""Mask personal identifiers for display; these functions never raise."""

from __future__ import annotations

from epigrid.lib.idcard import clean_input
from epigrid.lib.phone import KIND_LANDLINE, KIND_MOBILE, normalize_phone

MASK_CHAR = "*"

# Keep enough to let staff tell records apart (region prefix, sequence/check tail) while
# hiding the birth date, which is the part most useful for identity theft.
_ID_KEEP_HEAD = 6
_ID18_KEEP_TAIL = 4
# A 15-digit number has no check character, so its 3-digit sequence is the whole tail;
# keeping 4 would expose the last digit of the birth day.
_ID15_KEEP_TAIL = 3
_MOBILE_KEEP_HEAD = 3
_MOBILE_KEEP_TAIL = 4
_LANDLINE_KEEP_TAIL = 2


def _as_text(value: object) -> str:
    """Coerce value to stripped text, treating None and unprintable objects as empty."""
    if value is None:
        return ""
    try:
        # Spreadsheet imports hand over ints and floats despite the annotation.
        text = value if isinstance(value, str) else str(value)
        return text.strip()
    except Exception:
        # A broken __str__ must not take a page down, and "" reveals nothing.
        return ""


def _stars(count: int) -> str:
    """Return count mask characters (none for a non-positive count)."""
    return MASK_CHAR * max(count, 0)


def _keep_ends(text: str, *, head: int, tail: int) -> str:
    """Star out text except its first head and last tail characters."""
    if len(text) <= head + tail:
        return _stars(len(text))
    return text[:head] + _stars(len(text) - head - tail) + text[-tail:]


def mask_id_number(value: str | None) -> str:
    """Mask an ID number as "110105********002X"; short values are starred out entirely."""
    text = clean_input(_as_text(value)).upper()
    length = len(text)
    if length >= 18:
        return _keep_ends(text, head=_ID_KEEP_HEAD, tail=_ID18_KEEP_TAIL)
    if length >= 15:
        return _keep_ends(text, head=_ID_KEEP_HEAD, tail=_ID15_KEEP_TAIL)
    # Too short to be an ID, so there is no safe part to show.
    return _stars(length)


def mask_phone(value: str | None) -> str:
    """Mask a phone as "138****1234" or "010-******78"; invalid input is starred out."""
    text = _as_text(value)
    if not text:
        return ""
    result = normalize_phone(text)
    number = result.normalized
    if result.valid and number is not None:
        if result.kind == KIND_MOBILE:
            return _keep_ends(number, head=_MOBILE_KEEP_HEAD, tail=_MOBILE_KEEP_TAIL)
        if result.kind == KIND_LANDLINE:
            area, _, local = number.partition("-")
            return f"{area}-{_stars(len(local) - _LANDLINE_KEEP_TAIL)}{local[-_LANDLINE_KEEP_TAIL:]}"
    # We cannot tell which part is safe to show in something we failed to parse.
    return _stars(len(clean_input(text)))


def mask_name(value: str | None) -> str:
    """Mask a name to its first character plus stars: "欧阳小明" → "欧***"."""
    text = _as_text(value)
    if len(text) <= 1:
        # Keeping the only character would show the whole value.
        return _stars(len(text))
    return text[0] + _stars(len(text) - 1)
