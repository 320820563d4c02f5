"""Write a form as the spreadsheet officials expect: title, 填报单位 row, header, rows, ready to print.

A streaming (write-only) workbook: rows go to the file as they are read, so 100,000 rows never sit in
memory. Column widths are fitted to the header and the first rows (CJK characters count double), set
before the first row is written as the streaming writer requires. Every text cell passes through
``cell_text`` so a value starting with = + - @ is never a formula.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from copy import copy
from dataclasses import dataclass
from itertools import chain, islice
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.properties import PageSetupProperties

from epigrid.lib.cells import cell_text
from epigrid.privacy.exports import Stamp, watermark_xlsx

WIDTH_SAMPLE = 200  # rows read ahead to fit the column widths
WIDTH_MAX = 48
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TITLE_FONT = Font(name="宋体", size=16, bold=True)
_HEADER_FONT = Font(name="宋体", size=11, bold=True)
_BODY_FONT = Font(name="宋体", size=11)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center")
_GROUP_FILL = PatternFill("solid", fgColor="EEEEEE")


@dataclass(frozen=True)
class Sheet:
    """What goes above the table; ``rows`` yields (group heading, values) in order."""

    title: str
    subtitle: str  # the cut-off line
    info: str  # 填报单位 … 报送时间
    lines: list[str]  # header figures, notes
    headers: list[str]
    widths: list[int]  # floors from the field catalogue
    total: list[object] | None = None  # a 合计 row after the data rows (figures forms)


# Excel refuses these characters in a sheet's name (openpyxl raises), and names longer than 31.
_SHEET_TITLE_REFUSED = re.compile(r"[\\/?*\[\]:]")


def sheet_title(title: str) -> str:
    """A form's title as Excel takes it for a sheet's name: refused characters become spaces."""
    return _SHEET_TITLE_REFUSED.sub(" ", title).strip()[:31] or "Sheet1"


def text_width(value: object) -> int:
    """Return the display width of a value: wide (CJK) characters count two."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _merged(ws: WriteOnlyWorksheet, row: int, columns: int, text: str, font: Font, align: Alignment) -> None:
    cell = WriteOnlyCell(ws, value=cell_text(text))
    cell.font = font
    cell.alignment = align
    ws.append([cell])
    if columns > 1:
        ws.merged_cells.add(CellRange(min_col=1, min_row=row, max_col=columns, max_row=row))


def _body(ws: WriteOnlyWorksheet, value: object, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value if isinstance(value, int | float) else cell_text(value))
    cell.font = _HEADER_FONT if bold else _BODY_FONT
    cell.border = _BORDER
    return cell


class _Cells:
    """Make bordered body cells fast: the style is registered once and its index array copied per cell.

    Assigning a font and a border to each cell makes openpyxl hash both into the workbook's style
    tables every time (70 % of the export's time for 100,000 rows); the copied ``StyleArray`` is the
    same style by reference.
    """

    def __init__(self, ws: WriteOnlyWorksheet) -> None:
        self.ws = ws
        self.style = _body(ws, "")._style

    def __call__(self, value: object) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=value if isinstance(value, int | float) else cell_text(value))
        cell._style = copy(self.style)
        return cell


def write_sheet(
    out: IO[bytes], sheet: Sheet, rows: Iterable[tuple[str, list[object]]], *, stamp: Stamp
) -> int:
    """Write the workbook to ``out``, the exporter's ``stamp`` in every page's header and footer and in
    the document properties (``privacy.exports``); return the number of data rows."""
    wb = Workbook(write_only=True)
    ws: WriteOnlyWorksheet = wb.create_sheet(title=sheet_title(sheet.title))
    columns = max(len(sheet.headers), 1)
    stream: Iterator[tuple[str, list[object]]] = iter(rows)
    sample = list(islice(stream, WIDTH_SAMPLE))
    for index, header in enumerate(sheet.headers):
        width = max(
            [sheet.widths[index] if index < len(sheet.widths) else 8, text_width(header) + 2]
            + [text_width(values[index]) + 2 for _, values in sample if index < len(values)]
        )
        ws.column_dimensions[get_column_letter(index + 1)].width = min(width, WIDTH_MAX)
    # The streaming writer emits the sheet's properties and view with the first row: set them before.
    header_row = 3 + len(sheet.lines) + 1
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"1:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1  # one page wide, as many pages long as needed
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    number = 1
    _merged(ws, number, columns, sheet.title, _TITLE_FONT, _CENTER)
    for line in [sheet.subtitle, sheet.info, *sheet.lines]:
        number += 1
        _merged(ws, number, columns, line, _BODY_FONT, _LEFT if line is not sheet.subtitle else _CENTER)
    number += 1
    header_cells = []
    for header in sheet.headers:
        cell = _body(ws, header, bold=True)
        cell.alignment = _CENTER
        header_cells.append(cell)
    ws.append(header_cells)
    body = _Cells(ws)
    count = 0
    group = ""
    for heading, values in chain(sample, stream):
        if heading and heading != group:
            group = heading
            cell = _body(ws, heading, bold=True)
            cell.fill = _GROUP_FILL
            ws.append([cell, *[body("") for _ in range(columns - 1)]])
            number += 1
            if columns > 1:
                ws.merged_cells.add(CellRange(min_col=1, min_row=number, max_col=columns, max_row=number))
        ws.append([body(v) for v in values])
        number += 1
        count += 1
    if sheet.total is not None:
        ws.append([_body(ws, v, bold=True) for v in sheet.total])
    watermark_xlsx(wb, stamp)
    wb.save(out)
    return count
