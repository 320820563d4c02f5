"""Build sample list files in memory: xlsx (openpyxl), CSV, and by hand an .xls and compound files.

openpyxl cannot write .xls, so ``xls`` assembles a minimal BIFF8 workbook stream and ``cfb`` wraps
streams in a minimal compound file (MS-CFB version 3, one FAT sector), enough for calamine to read and
for the sniffer to see an encrypted Office file. The end of the module holds the sample department
list that the reader tests share.
"""

from __future__ import annotations

import csv
import io
import math
import struct
from collections.abc import Sequence
from datetime import date

import pytest
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from epigrid.lists.files import ListFileError
from epigrid.lists.reader import read_list

Cell = object
Rows = Sequence[Sequence[Cell]]

# Valid 18-digit numbers (check digits correct) for sample rows.
ID_ZHANG = "420106198001011237"
ID_LI = "420106198506150021"
ID_WANG = "420111199203040015"


def _fill(sheet: Worksheet, rows: Rows, merges: Sequence[str]) -> None:
    for row in rows:
        sheet.append(list(row))
    for row in sheet.iter_rows():
        for cell in row:
            # openpyxl stores any text starting with "=" as a formula; a department's cell that merely
            # looks like one is text, which is what the reader must be shown.
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    for cells in merges:
        sheet.merge_cells(cells)


def xlsx(
    rows: Rows,
    *,
    merges: Sequence[str] = (),
    before: Sequence[tuple[Rows, str]] = (),
    after: Sequence[Rows] = (),
) -> bytes:
    """Return an xlsx whose list sheet holds rows.

    ``before`` adds sheets ahead of it as (rows, state) with state "visible" or "hidden"; ``after``
    adds visible sheets behind it.
    """
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for number, (other, state) in enumerate(before):
        sheet = book.create_sheet(f"前{number}")
        _fill(sheet, other, ())
        sheet.sheet_state = state
    _fill(book.create_sheet("名单"), rows, merges)
    for number, other in enumerate(after):
        _fill(book.create_sheet(f"后{number}"), other, ())
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_large(rows: int, columns: int = 15) -> bytes:
    """Return a big xlsx (title, header, rows of text and numbers) for timing, written streaming."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("名单")
    headers = ["序号", "姓名", "性别", "年龄", "身份证号", "联系电话", "现住址", "户籍地址", "工作单位"]
    headers += ["从何地返回", "返回日期", "交通工具", "车次", "体温", "备注"]
    headers = (headers + [f"列{i}" for i in range(len(headers), columns)])[:columns]
    sheet.append(["XX区教育局反馈武汉返XX人员名单（第2批）"])
    sheet.append(headers)
    for number in range(1, rows + 1):
        row: list[Cell] = [number, f"张{number}", "男", 30 + number % 40, ID_ZHANG, 13800000000 + number]
        row += [
            f"XX村{number % 97}组",
            "XX市XX区",
            "XX学校",
            "武汉",
            date(2020, 1, 23),
            "自驾",
            "鄂A12345",
            36.5,
        ]
        sheet.append((row + [""] * columns)[:columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Rows, *, encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    """Return rows as CSV text in encoding ("utf-8-sig" is what Excel's "CSV UTF-8" writes)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


# --- Compound files and .xls ----------------------------------------------------------------------

_SECTOR = 512
_ENDOFCHAIN = 0xFFFFFFFE
_FREESECT = 0xFFFFFFFF
_FATSECT = 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Streams shorter than this live in the mini stream, which this builder does not write.
_MINI_CUTOFF = 4096


def _directory_entry(name: str, kind: int, *, right: int, child: int, start: int, size: int) -> bytes:
    encoded = name.encode("utf-16-le")
    return (
        encoded.ljust(64, b"\x00")
        + struct.pack("<HBB", len(encoded) + 2 if name else 0, kind, 1)
        + struct.pack("<III", _NOSTREAM, right, child)
        + bytes(16 + 4 + 16)  # CLSID, state bits, creation and modification times
        + struct.pack("<III", start, size, 0)
    )


def cfb(streams: dict[str, bytes]) -> bytes:
    """Return a compound (OLE) file holding streams, each padded to at least 4096 bytes."""
    payloads = [(name, data.ljust(_MINI_CUTOFF, b"\x00")) for name, data in streams.items()]
    entries = 1 + len(payloads)
    directory_sectors = math.ceil(entries / 4)
    fat = [_FATSECT] + [i + 2 for i in range(directory_sectors - 1)] + [_ENDOFCHAIN]
    body = b""
    directory = _directory_entry(
        "Root Entry", 5, right=_NOSTREAM, child=1 if payloads else _NOSTREAM, start=_ENDOFCHAIN, size=0
    )
    for number, (name, data) in enumerate(payloads, start=1):
        first = len(fat)
        count = math.ceil(len(data) / _SECTOR)
        fat += [first + i + 1 for i in range(count - 1)] + [_ENDOFCHAIN]
        body += data.ljust(count * _SECTOR, b"\x00")
        following = number + 1 if number < len(payloads) else _NOSTREAM
        directory += _directory_entry(name, 2, right=following, child=_NOSTREAM, start=first, size=len(data))
    unused = _directory_entry("", 0, right=_NOSTREAM, child=_NOSTREAM, start=0, size=0)
    directory = directory.ljust(directory_sectors * _SECTOR, b"\x00")
    directory = b"".join(
        directory[i : i + 128] if any(directory[i : i + 128]) else unused
        for i in range(0, len(directory), 128)
    )
    assert len(fat) <= _SECTOR // 4, "sample too big for a one-sector FAT"
    header = (
        CFB_MAGIC
        + bytes(16)
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, _MINI_CUTOFF, _ENDOFCHAIN, 0, _ENDOFCHAIN, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", _FREESECT) * 108
    )
    fat_sector = b"".join(struct.pack("<I", entry) for entry in fat).ljust(_SECTOR, b"\xff")
    return header + fat_sector + directory + body


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(substream: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, substream, 0x0DBB, 0x07CC, 0, 6))


def _xls_cell(row: int, column: int, value: Cell) -> bytes:
    if value is None or value == "":
        return b""
    if isinstance(value, bool):
        return _record(0x0205, struct.pack("<HHHBB", row, column, 0, int(value), 0))
    if isinstance(value, date):
        serial = (value - date(1899, 12, 30)).days
        return _record(0x0203, struct.pack("<HHHd", row, column, 1, float(serial)))  # XF 1: a date
    if isinstance(value, int | float):
        return _record(0x0203, struct.pack("<HHHd", row, column, 0, float(value)))
    text = str(value)
    encoded = text.encode("utf-16-le")
    return _record(0x0204, struct.pack("<HHHHB", row, column, 0, len(encoded) // 2, 1) + encoded)


def xls(rows: Rows, *, merges: Sequence[tuple[int, int, int, int]] = (), password: bool = False) -> bytes:
    """Return a BIFF8 .xls with one sheet; merges are (first row, last row, first col, last col), 0-based.

    ``password`` adds a FilePass record, which is how an .xls says it is encrypted.
    """
    xfs = b"".join(_record(0x00E0, struct.pack("<HH", 0, fmt) + bytes(16)) for fmt in (0, 14))

    def workbook_globals(sheet_at: int) -> bytes:
        name = "名单".encode("utf-16-le")
        sheet = _record(0x0085, struct.pack("<IBBBB", sheet_at, 0, 0, len(name) // 2, 1) + name)
        filepass = _record(0x002F, struct.pack("<H", 1) + bytes(52)) if password else b""
        return (
            _bof(0x0005) + filepass + _record(0x0042, struct.pack("<H", 1200)) + xfs + sheet + _record(0x000A)
        )

    cells = b"".join(_xls_cell(r, c, value) for r, row in enumerate(rows) for c, value in enumerate(row))
    merged = b""
    if merges:
        merged = _record(
            0x00E5, struct.pack("<H", len(merges)) + b"".join(struct.pack("<HHHH", *m) for m in merges)
        )
    sheet = _bof(0x0010) + cells + merged + _record(0x000A)
    head = workbook_globals(0)
    stream = workbook_globals(len(head)) + sheet
    return cfb({"Workbook": stream})


def encrypted_xlsx() -> bytes:
    """Return what Excel writes for an xlsx with an opening password: a compound file, no zip."""
    return cfb({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00", "EncryptedPackage": bytes(64)})


def word_doc() -> bytes:
    """Return a compound file that is not a workbook (a .doc has a WordDocument stream)."""
    return cfb({"WordDocument": b"\xec\xa5" + bytes(30)})


PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
HTML_XLS = (
    "<html><head><meta charset='utf-8'></head><body><table><tr><td>姓名</td></tr></table></body></html>"
)


def zip_of(files: dict[str, bytes]) -> bytes:
    """Return a zip holding files (a .docx, an .ods or just an archive)."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- a department's list, shared by the reader tests --------------------------------------------

LIMIT = 1024 * 1024
TITLE = "XX区教育局反馈武汉返XX人员名单（第2批）"
FILED_BY = "填报单位：XX区教育局"
HEADER = ["序号", "姓名", "身份证号码", "联系电话", "现住址", "返回日期", "备注"]
ZHANG = [1, "张三", ID_ZHANG, "13800138000", "幸福小区3栋", "2020-01-23", ""]
LI = [2, "李四", ID_LI, "13900139000", "和平村5组", "2020-01-24", "已隔离"]
WANG = [3, "王五", ID_WANG, "13700137000", "和平村6组", "2020-01-25", ""]


def refused(content: bytes, filename: str = "名单.xlsx", max_bytes: int = LIMIT) -> str:
    with pytest.raises(ListFileError) as caught:
        read_list(content, filename, max_bytes=max_bytes)
    return caught.value.message


def department_sheet() -> list[Sequence[object]]:
    """Return a list as a department sends it: title, blank, 填报单位 line, header, rows, total, footer."""
    return [
        [TITLE],
        [],
        [FILED_BY, "", "", "", "填报日期：2020年1月28日"],
        HEADER,
        ZHANG,
        [],
        LI,
        WANG,
        ["合计", "", "", "", "", "", "3人"],
        [],
        ["填报人：赵六  审核人：钱七  联系电话：0551-12345678"],
        [],
        [],
    ]
