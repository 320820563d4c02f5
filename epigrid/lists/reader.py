"""Read a department's name list (xlsx, xls or CSV) into rows of canonical fields, or say why not.

Lists arrive as whatever the department had: a title row ("XX区教育局反馈武汉返XX人员名单（第2批）"),
a "填报单位：… 填报日期：…" line, the header, the rows, a 合计 row and a 填报人/审核人 line. ``read_list``
finds the header, maps its columns (``epigrid.lists.columns``) and returns every data row with the row
number the spreadsheet shows, plus the rows it skipped and why. Cells are returned as text exactly as a
clerk would see them in Excel; validating ID numbers and phones is the next step's job.

Messages never quote a cell: lists hold ID numbers and phones, and messages end up in logs and task
results. They name row numbers, column letters and header labels only. Pure Python, no Django.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from epigrid.lists.columns import (
    FIELD_LABELS,
    FIELDS,
    NAME_HEADER_WORDS,
    ColumnMapping,
    column_letter,
    mapping_from_columns,
    match_header,
    propose_mapping,
)
from epigrid.lists.files import (
    ListFileError,
    _read,
)

# The header is looked for this far down: title, blank line, 填报单位 line and a few lines of
# 填表说明 fit comfortably.
HEADER_SEARCH_ROWS = 20

ERR_NO_NAME_COLUMN = (
    f"找不到表头：前{HEADER_SEARCH_ROWS}行里没有同时含有“姓名”和身份证号、联系电话等列名的一行，"
    "请检查表头，或手动指定表头行和各列"
)
ERR_HEADER_ROW = "指定的表头行（第{row}行）不在表格范围内"
ERR_OVERRIDE_FIELD = "手动指定的列里有不认识的字段：{fields}"
ERR_OVERRIDE_COLUMN = "手动指定的“{field}”列（第{column}列）超出了表格范围"
ERR_OVERRIDE_DUPLICATE = "{column}列被同时指定给了多个字段：{fields}"
ERR_OVERRIDE_NO_NAME = "手动指定的列里必须有“姓名”列"

WARN_NO_ROWS = "表头下面没有数据行"

SKIP_BLANK = "空行"
SKIP_TOTAL = "合计行"
SKIP_FOOTER = "落款行（填报人、审核人、联系电话等）"
SKIP_NOTE = "备注或说明行"
SKIP_TITLE = "标题行"
SKIP_HEADER_REPEAT = "重复的表头行"
SKIP_SUB_HEADER = "表头的第二行（合并表头下的小标题）"
SKIP_SEQ_ONLY = "只有序号、没有内容的行"

_FORMULA_START = frozenset("=+-@")
# Zero-width characters ride along with text copied from web pages and WeChat; str.strip keeps them.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_FOLDED_FIELDS = frozenset({"id_number", "phone"})
_HALFWIDTH = str.maketrans({cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20})

_TOTAL_WORDS = ("合计", "总计", "小计", "共计")
_TOTAL_FIRST_CHARS = frozenset(word[0] for word in _TOTAL_WORDS)
_FOOTER_PREFIXES = (
    "填报人", "填表人", "审核人", "审核:", "审核：", "制表人", "制表:", "制表：", "签发人", "负责人",
    "单位负责人", "统计人", "经办人", "报送人", "报送时间", "报送日期", "填报时间", "填报日期", "填表日期",
    "填报单位", "联系电话:", "联系电话：", "联系人:", "联系人：", "分管领导", "主要领导",
)  # fmt: skip
_FOOTER_WORDS = ("填报人", "填表人", "审核", "制表人", "签发人", "经办人", "联系电话:", "联系电话：")
_NOTE_PREFIXES = ("备注", "注:", "注：", "说明", "填表说明", "注意")
# A title repeated below the header, where a department pasted its next batch under the last one.
_TITLE_WORDS = ("名单", "登记表", "花名册", "统计表", "汇总表", "一览表", "明细表", "情况表")

_BATCH_RE = re.compile(r"第\s*([0-9]+|[零〇一二两三四五六七八九十百]+)\s*批")
_CHINESE_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_CHINESE_UNITS = {"十": 10, "百": 100}


@dataclass(frozen=True, slots=True)
class ListRowData:
    """One data row of a list.

    ``row_number`` is the row as the spreadsheet shows it (1-based, title rows counted); ``fields``
    maps each mapped field to its text, stripped, with full-width digits folded for id_number and
    phone; ``raw`` holds the row's cells as read (merged cells filled in); ``formula_like_fields``
    names the fields whose text starts with = + - @, which an export must prefix with "'".
    """

    row_number: int
    fields: dict[str, str]
    raw: list[str]
    formula_like_fields: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ReadResult:
    """A list read from a file: where its header was, how its columns map, its rows and skipped rows."""

    format: str
    header_row_number: int
    preamble: tuple[str, ...]
    batch_hint: int | None
    mapping: ColumnMapping
    unmapped_columns: tuple[int, ...]
    rows: list[ListRowData]
    skipped: list[tuple[int, str]]
    warnings: tuple[str, ...]
    # The non-blank rows below the header: len(rows) plus the skipped ones when every row was read;
    # the count an upload shows when only a preview (``limit``) was read.
    rows_below_header: int = 0


@dataclass(frozen=True)
class HeaderLayout:
    """The header as columns see it: one row, or a row of merged titles over a row of sub-titles.

    For "现住址" merged over 小区/楼号/单元, ``labels`` holds "现住址小区", "现住址楼号", … and ``groups``
    the run of columns under it.
    """

    labels: list[str]
    groups: tuple[tuple[int, ...], ...] = ()
    has_sub_header: bool = False


# --- Finding the header ---------------------------------------------------------------------------


def locate_header(table: list[list[str]]) -> int:
    """Return the index of the header row: the first with a name column and another known column."""
    for index, row in enumerate(table[:HEADER_SEARCH_ROWS]):
        found = {match_header(cell) for cell in row if cell.strip()}
        found.discard(None)
        if "name" in found and len(found) >= 2:
            return index
    raise ListFileError(ERR_NO_NAME_COLUMN)


def _is_label(text: str) -> bool:
    """Tell whether a cell under a merged header looks like a sub-title rather than data."""
    return bool(text) and not any("0" <= ch <= "9" for ch in text)


def header_layout(table: list[list[str]], header_index: int) -> HeaderLayout:
    """Return the header labels, reading a second header row under merged titles if there is one.

    The row below is a sub-header when some title spans several columns ("现住址" over 小区/楼号/单元,
    "包保人" over 姓名/电话) with a label under each, and every other cell in it is empty or repeats
    the title above (a title merged down both rows).
    """
    header = [cell.strip() for cell in table[header_index]]
    if header_index + 1 >= len(table):
        return HeaderLayout(header)
    sub = [cell.strip() for cell in table[header_index + 1]]
    width = max(len(header), len(sub))
    top = header + [""] * (width - len(header))
    sub += [""] * (width - len(sub))

    groups: list[tuple[int, ...]] = []
    column = 0
    while column < width:
        title, end = top[column], column + 1
        if title and sub[column]:
            # Without merged-cell filling (CSV) the title is followed by blanks, with it by copies.
            while end < width and top[end] in ("", title) and sub[end]:
                end += 1
            if end - column >= 2:
                groups.append(tuple(range(column, end)))
        column = end
    if not groups:
        return HeaderLayout(header)
    grouped = {c for group in groups for c in group}
    if any(sub[c] and c not in grouped and sub[c] != top[c] for c in range(width)):
        return HeaderLayout(header)
    if not all(_is_label(sub[c]) for c in grouped):
        return HeaderLayout(header)
    labels = list(top)
    for group in groups:
        for c in group:
            labels[c] = top[group[0]] + sub[c]
    return HeaderLayout(labels, tuple(groups), has_sub_header=True)


def preamble_lines(rows: Iterable[list[str]]) -> tuple[str, ...]:
    """Return the text of the rows above the header, one line per non-blank row."""
    lines = []
    for row in rows:
        parts: list[str] = []
        for cell in row:
            text = cell.strip()
            if text and (not parts or parts[-1] != text):  # a merged title repeats across its cells
                parts.append(text)
        if parts:
            lines.append(" ".join(parts))
    return tuple(lines)


def _chinese_number(text: str) -> int:
    total = current = 0
    for char in text:
        if char in _CHINESE_UNITS:
            total += (current or 1) * _CHINESE_UNITS[char]
            current = 0
        else:
            current = _CHINESE_DIGITS[char]
    return total + current


def extract_batch(text: str) -> int | None:
    """Return the batch number in "…名单（第2批）" or "第二批", or None."""
    match = _BATCH_RE.search(unicodedata.normalize("NFKC", text))
    if match is None:
        return None
    number = match.group(1)
    value = int(number) if number.isdigit() else _chinese_number(number)
    return value or None


# --- Rows -----------------------------------------------------------------------------------------


def _compact(text: str) -> str:
    return "".join(text.split())


_COUNT_RE = re.compile(r"(共|计)?[0-9]+(人|名|户|个)?")


def _is_total(text: str) -> bool:
    return text[:1] in _TOTAL_FIRST_CHARS and _compact(text).startswith(_TOTAL_WORDS)


def _skip_reason(
    values: list[str], nonempty: list[str], name_column: int | None, seq_column: int | None, header: list[str]
) -> str | None:
    """Say why a non-blank row is not a person, or None if it is one."""
    first = _compact(nonempty[0])
    if first.startswith(_FOOTER_PREFIXES):
        return SKIP_FOOTER
    single = len(set(nonempty)) == 1  # one cell, or one merged across the row
    if single and any(word in first for word in _FOOTER_WORDS):
        return SKIP_FOOTER
    if single and first.startswith(_NOTE_PREFIXES):
        return SKIP_NOTE
    if single and any(word in first for word in _TITLE_WORDS):
        return SKIP_TITLE
    name = values[name_column] if name_column is not None and name_column < len(values) else ""
    if _is_total(name) or (not name and any(_is_total(value) for value in nonempty)):
        return SKIP_TOTAL
    if _is_total(first) and _COUNT_RE.fullmatch(_compact(name)):
        # "合计 | 100人": the name column holds the head count, not a person.
        return SKIP_TOTAL
    if name:
        compact = _compact(name)
        if compact.lower() in NAME_HEADER_WORDS or (
            name_column is not None and name_column < len(header) and compact == header[name_column]
        ):
            return SKIP_HEADER_REPEAT
    if seq_column is not None and len(nonempty) == 1 and seq_column < len(values) and values[seq_column]:
        return SKIP_SEQ_ONLY
    return None


def _field_value(values: list[str], column: int, extra: tuple[int, ...], folded: bool) -> str:
    """Return a field's text from a row of stripped cells, joining the sub-columns in extra."""
    width = len(values)
    value = values[column] if column < width else ""
    if extra:
        parts = [value]
        for other in extra:
            part = values[other] if other < width else ""
            if part and part != parts[-1]:  # one merged cell across the sub-columns: one copy
                parts.append(part)
        value = " ".join(part for part in parts if part)
    # The cells are stripped already and ASCII needs nothing more; this runs once per cell.
    if value and not value.isascii():
        if value[0] in _INVISIBLE or value[-1] in _INVISIBLE:
            value = value.strip(_INVISIBLE).strip()
        if folded:
            value = value.translate(_HALFWIDTH).strip()
    return value


def iter_rows(
    table: list[list[str]],
    header_index: int,
    mapping: ColumnMapping,
    *,
    skipped: list[tuple[int, str]] | None = None,
) -> Iterator[ListRowData]:
    """Yield the data rows below the header; append each skipped row and its reason to ``skipped``.

    Blank rows are reported only when data follows them; trailing ones are the sheet's end.
    """
    name_column = mapping.columns.get("name")
    seq_column = mapping.columns.get("seq")
    columns = [
        (key, column, mapping.extra_columns.get(key, ()), key in _FOLDED_FIELDS)
        for key, column in mapping.columns.items()
    ]
    header = [_compact(cell) for cell in table[header_index]]
    blanks: list[int] = []
    start = header_index + 1
    if header_layout(table, header_index).has_sub_header:
        if skipped is not None:
            skipped.append((start + 1, SKIP_SUB_HEADER))
        start += 1

    for index in range(start, len(table)):
        row = table[index]
        number = index + 1
        values = [cell.strip() for cell in row]
        nonempty = [value for value in values if value]
        if not nonempty:
            blanks.append(number)
            continue
        if blanks:
            if skipped is not None:
                skipped.extend((blank, SKIP_BLANK) for blank in blanks)
            blanks.clear()
        reason = _skip_reason(values, nonempty, name_column, seq_column, header)
        if reason is not None:
            if skipped is not None:
                skipped.append((number, reason))
            continue

        width = len(values)
        fields: dict[str, str] = {}
        for key, column, extra, folded in columns:
            value = values[column] if column < width else ""
            # Inlined for the common case (an ASCII cell, no sub-columns): this runs once per cell.
            fields[key] = (
                value if not extra and value.isascii() else _field_value(values, column, extra, folded)
            )
        formula_like = frozenset(key for key, value in fields.items() if value and value[0] in _FORMULA_START)
        yield ListRowData(row_number=number, fields=fields, raw=row, formula_like_fields=formula_like)


# --- The whole list -------------------------------------------------------------------------------


def _override_mapping(override: dict[str, int], labels: list[str], width: int) -> ColumnMapping:
    unknown = sorted(set(override) - set(FIELDS))
    if unknown:
        raise ListFileError(ERR_OVERRIDE_FIELD.format(fields="、".join(unknown)))
    for key, column in override.items():
        if not 0 <= column < width:
            letter = column_letter(column) if column >= 0 else str(column)
            raise ListFileError(ERR_OVERRIDE_COLUMN.format(field=FIELD_LABELS[key], column=letter))
    for column, count in Counter(override.values()).items():
        if count > 1:
            keys = [FIELD_LABELS[key] for key, chosen in override.items() if chosen == column]
            raise ListFileError(
                ERR_OVERRIDE_DUPLICATE.format(column=column_letter(column), fields="、".join(keys))
            )
    if "name" not in override:
        raise ListFileError(ERR_OVERRIDE_NO_NAME)
    return mapping_from_columns(override, labels + [""] * (width - len(labels)))


def _header_index(table: list[list[str]], header_row: int | None, *, overridden: bool) -> int:
    if header_row is not None:
        if not 1 <= header_row <= len(table):
            raise ListFileError(ERR_HEADER_ROW.format(row=header_row))
        return header_row - 1
    try:
        return locate_header(table)
    except ListFileError:
        if not overridden:
            raise
    # The person chose the columns because no header was recognised: take the first non-blank row.
    return next(index for index, row in enumerate(table) if any(cell.strip() for cell in row))


def read_list(
    content: bytes,
    filename: str,
    *,
    max_bytes: int,
    mapping_override: dict[str, int] | None = None,
    header_row: int | None = None,
    limit: int | None = None,
) -> ReadResult:
    """Read a name list file: find its header, map its columns, return its rows and skipped rows.

    ``mapping_override`` (field → 0-based column) replaces the proposed mapping entirely, e.g. after a
    person corrected it; ``header_row`` (1-based, as the spreadsheet shows it) skips the header search.
    Raises ``ListFileError`` for a file that cannot be read or has no name column. ``limit`` reads only
    that many data rows (an upload's preview; the worker reads them all).
    """
    kind, sheet = _read(content, filename, max_bytes)
    table = sheet.rows
    header_index = _header_index(table, header_row, overridden=mapping_override is not None)
    layout = header_layout(table, header_index)
    if mapping_override is None:
        mapping = propose_mapping(layout.labels, groups=layout.groups)
        if mapping.missing_required:
            raise ListFileError(ERR_NO_NAME_COLUMN)
    else:
        width = max(len(row) for row in table)
        mapping = _override_mapping(mapping_override, layout.labels, width)
    skipped: list[tuple[int, str]] = []
    rows = list(islice(iter_rows(table, header_index, mapping, skipped=skipped), limit))
    below = sum(1 for row in table[header_index + 1 :] if any(cell.strip() for cell in row))
    preamble = preamble_lines(table[:header_index])
    batch = extract_batch(" ".join(preamble))
    warnings = [*sheet.warnings, *mapping.warnings]
    if not rows:
        warnings.append(WARN_NO_ROWS)
    return ReadResult(
        format=kind,
        header_row_number=header_index + 1,
        preamble=preamble,
        batch_hint=batch if batch is not None else extract_batch(filename),
        mapping=mapping,
        unmapped_columns=mapping.unrecognised,
        rows=rows,
        skipped=skipped,
        warnings=tuple(warnings),
        rows_below_header=below,
    )
