"""Find personal data in a text meant for the public: ID numbers, mobile phones and registered names.

A bulletin or a guidance text is refused when it contains:

- an ID number: 15 or 18 characters of digits (the last may be X), spaces and dashes between them
  ignored, whatever its check digit (a mistyped one is still someone's);
- a mobile phone: 11 digits starting 13-19, with spaces or dashes, after an optional +86 / 86.
  Landlines and service numbers (12345, 0571-12345678) are not personal and pass; a number kept as a
  hotline of the region passes too;
- a name of a person registered in the district: every run of 2 to 4 Chinese characters of the text
  is looked up (one indexed query on the pinyin key, then an exact comparison). Runs that are part of
  the system's own wording or of a region's name are not names ("高风险" contains "高风", a possible
  name; "张庄村" contains "张庄"), and "张某" is the official way to write about a person.

A finding says where (line and column) and what kind, never the text itself: the message goes back to
the person editing and may be logged, and it must not repeat the personal data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from epigrid.people.name_selectors import registered_names
from epigrid.regions.models import Region

_DIGITS = re.compile(r"(?:\+?86[\s-]?)?[0-9Xx](?:[\s-]?[0-9Xx]){9,19}")
_MOBILE = re.compile(r"^(?:86)?1[3-9]\d{9}$")
_ID = re.compile(r"^\d{15}$|^\d{17}[\dXx]$")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
NAME_MIN, NAME_MAX = 2, 4
ANONYMOUS = "某"


@dataclass(frozen=True)
class Finding:
    kind: str  # "id_number" | "phone" | "name"
    line: int
    column: int

    def message(self, field: str) -> str:
        what = {
            "id_number": _("疑似身份证号"),
            "phone": _("疑似个人手机号"),
            "name": _("与登记人员姓名相同的文字"),
        }[self.kind]
        return _(
            "%(field)s第%(line)d行第%(column)d字起有%(what)s：公开信息不得含有个人姓名、身份证号或手机号，请删除或改为“张某”式写法。"
        ) % {
            "field": field,
            "line": self.line,
            "column": self.column,
            "what": what,
        }


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return line, offset - start + 1


def number_findings(text: str, allowed_phones: Iterable[str] = ()) -> list[Finding]:
    """ID numbers and mobile phones in ``text`` (numbers in ``allowed_phones`` are not findings)."""
    allowed = {re.sub(r"\D", "", p) for p in allowed_phones}
    findings: list[Finding] = []
    for match in _DIGITS.finditer(text):
        raw = match.group()
        compact = re.sub(r"[\s+-]", "", raw)
        kind = ""
        if _ID.match(compact):
            kind = "id_number"
        elif _MOBILE.match(compact) and compact not in allowed and compact[-11:] not in allowed:
            kind = "phone"
        if kind:
            findings.append(Finding(kind, *_position(text, match.start())))
    return findings


def _candidates(text: str, exempt: str) -> dict[str, int]:
    """Runs of 2-4 Chinese characters (first offset of each) that are not part of exempt wording."""
    found: dict[str, int] = {}
    for run in _CJK_RUN.finditer(text):
        word = run.group()
        for size in range(NAME_MIN, NAME_MAX + 1):
            for i in range(len(word) - size + 1):
                piece = word[i : i + size]
                if ANONYMOUS in piece or piece in exempt or piece in found:
                    continue
                found[piece] = run.start() + i
    return found


def name_findings(text: str, *, district: Region, exempt: str) -> list[Finding]:
    """Registered names of the district's people in ``text`` (``exempt``: wording that is not a name)."""
    candidates = _candidates(text, exempt)
    if not candidates:
        return []
    names = registered_names(district_id=district.pk, candidates=list(candidates))
    offsets = sorted(candidates[name] for name in names)
    return [Finding("name", *_position(text, offset)) for offset in offsets]


def personal_data_findings(
    text: str, *, district: Region, exempt: str, allowed_phones: Iterable[str] = ()
) -> list[Finding]:
    """Every finding in ``text``, in the order they appear."""
    findings = number_findings(text, allowed_phones) + name_findings(text, district=district, exempt=exempt)
    return sorted(findings, key=lambda f: (f.line, f.column))
