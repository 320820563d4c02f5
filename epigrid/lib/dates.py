"""Dates as departments type them in lists: 2020-01-20, 2020/1/20, 2020.1.20, 20200120, 1月20日, 1.20."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

_FULL_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT_RE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SHORT_RE = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def parse_day(raw: object, *, year: int) -> date | None:
    """Return the date a cell names, or None; a date without a year takes ``year`` (the list's).

    Spreadsheet readers may hand over a date or datetime already; anything that is not a real
    calendar date (2月30日) is None rather than a guess.
    """
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    if not text:
        return None
    for pattern, has_year in ((_FULL_RE, True), (_COMPACT_RE, True), (_SHORT_RE, False)):
        match = pattern.fullmatch(text) or (pattern.match(text) if has_year else None)
        if match is None:
            continue
        parts = [int(p) for p in match.groups()]
        y, m, d = parts if has_year else (year, *parts)
        try:
            return date(y, m, d)
        except ValueError:
            return None
    return None
