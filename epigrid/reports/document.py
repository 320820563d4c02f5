"""The daily work report as a structure that the HTML preview and the .docx writer both render.

A report is a title, an addressee (主送), sections of paragraphs, the signing body and the date, the
layout of seed report 1. Headings are read from the text the way officials write them, so an edited
paragraph keeps its level: "一、" is level 1 (黑体), "（一）" level 2 (楷体), "1." level 3 and "（1）"
level 4 (both in the body font). A heading that runs into its paragraph ("（一）强化宣传。张贴……") is
the text up to its first "。"; the rest is body text. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

# The sections of the report, in order: key, heading (the opening has none).
SECTION_HEADINGS: dict[str, str] = {
    "opening": "",
    "situation": "一、防疫情况",
    "measures": "二、采取措施",
    "problems": "三、存在问题",
    "suggestions": "四、下步建议",
}

CN_NUMERALS = "一二三四五六七八九十"


class Level(IntEnum):
    BODY = 0
    H1 = 1  # 一、 黑体
    H2 = 2  # （一） 楷体_GB2312
    H3 = 3  # 1. body font
    H4 = 4  # （1） body font


_CN = r"[一二三四五六七八九十百]+"
_PATTERNS: tuple[tuple[Level, re.Pattern[str]], ...] = (
    (Level.H1, re.compile(rf"^{_CN}、")),
    (Level.H2, re.compile(rf"^[（(]{_CN}[）)]")),
    (Level.H3, re.compile(r"^\d+[.．](?!\d)")),
    (Level.H4, re.compile(r"^[（(]\d+[）)]")),
)


@dataclass(frozen=True)
class Block:
    """One paragraph as rendered: a heading run (``lead``, in the level's font) and body text."""

    level: Level
    lead: str
    text: str

    @property
    def heading_only(self) -> bool:
        return self.level != Level.BODY and not self.text


def parse_paragraph(paragraph: str) -> Block:
    """Split a paragraph into its heading run and its body text by the numbering it starts with."""
    paragraph = paragraph.strip()
    for level, pattern in _PATTERNS:
        match = pattern.match(paragraph)
        if match is None:
            continue
        stop = paragraph.find("。")
        if stop != -1:
            return Block(level, paragraph[: stop + 1], paragraph[stop + 1 :])
        if level in (Level.H1, Level.H2):  # a heading on its own line: "一、防疫情况"
            return Block(level, paragraph, "")
        return Block(level, match.group(), paragraph[match.end() :])
    return Block(Level.BODY, "", paragraph)


def split_paragraphs(text: str) -> tuple[str, ...]:
    """Turn a textarea's text into paragraphs: one per line, blank lines and outer spaces dropped."""
    return tuple(line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip())


def ordinal_list(items: list[str]) -> str:
    """Join items as officials number them in one paragraph: "一是……；二是……。"."""
    parts = []
    for number, item in enumerate(items, start=1):
        item = item.strip().rstrip("。；;，,")
        parts.append(f"{cn_number(number)}是{item}")
    return "；".join(parts) + "。" if parts else ""


def cn_number(number: int) -> str:
    """Write 1..99 in Chinese numerals (一, 十, 十一, 二十三)."""
    if not 0 < number < 100:
        raise ValueError(f"{number} is outside 1..99")
    tens, units = divmod(number, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CN_NUMERALS[tens - 1] + "十")
    return head + (CN_NUMERALS[units - 1] if units else "")


def date_text(day: dt.date) -> str:
    """Write a date the way GB/T 9704-2012 wants the 成文日期: Arabic numerals, no leading zeros."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class ReportDocument:
    """A town's or street's daily work report, ready to render (HTML) or write (.docx)."""

    title: str
    addressee: str
    sections: tuple[Section, ...]
    signature: str
    day: dt.date

    @property
    def date_text(self) -> str:
        return date_text(self.day)

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def blocks(self) -> list[Block]:
        """Return the body (after the addressee, before the signature) paragraph by paragraph."""
        blocks: list[Block] = []
        for section in self.sections:
            if section.heading:
                blocks.append(parse_paragraph(section.heading))
            blocks.extend(parse_paragraph(p) for p in section.paragraphs)
        return blocks

    def plain_text(self) -> str:
        """Return the report as plain text, one paragraph per line (tests, search, e-mail)."""
        lines = [self.title, self.addressee]
        lines += [block.lead + block.text for block in self.blocks()]
        lines += [self.signature, self.date_text]
        return "\n".join(lines)

    def edited(
        self,
        *,
        title: str | None = None,
        addressee: str | None = None,
        signature: str | None = None,
        sections: dict[str, str] | None = None,
    ) -> ReportDocument:
        """Return a copy with the given parts replaced; a section's text holds one paragraph per line."""
        replaced = sections or {}
        return ReportDocument(
            title=(title if title is not None else self.title).strip(),
            addressee=(addressee if addressee is not None else self.addressee).strip(),
            sections=tuple(
                Section(
                    s.key, s.heading, split_paragraphs(replaced[s.key]) if s.key in replaced else s.paragraphs
                )
                for s in self.sections
            ),
            signature=(signature if signature is not None else self.signature).strip(),
            day=self.day,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "addressee": self.addressee,
            "sections": [
                {"key": s.key, "heading": s.heading, "paragraphs": list(s.paragraphs)} for s in self.sections
            ],
            "signature": self.signature,
            "day": self.day.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReportDocument:
        return cls(
            title=str(data["title"]),
            addressee=str(data["addressee"]),
            sections=tuple(
                Section(str(s["key"]), str(s["heading"]), tuple(str(p) for p in s["paragraphs"]))
                for s in data["sections"]
            ),
            signature=str(data["signature"]),
            day=dt.date.fromisoformat(str(data["day"])),
        )
