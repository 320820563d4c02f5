"""Recognise a list file and read its first sheet into text cells, or say why it cannot be read.

Split from ``epigrid.lists.reader``, which finds the header and the rows in the table read here.
Messages never quote a cell. Pure Python, no Django.
"""

from __future__ import annotations

import codecs
import csv
import io
import struct
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

FORMAT_XLSX = "xlsx"
FORMAT_XLS = "xls"
FORMAT_CSV = "csv"

ERR_EMPTY_FILE = "文件是空的（0字节），请确认选择了正确的文件"
ERR_TOO_LARGE = "文件太大（超过{limit}）：请删除无关的工作表，或拆分成几个文件后再上传"
ERR_NOT_SPREADSHEET = (
    "文件不是电子表格：只支持 Excel 文件（.xlsx、.xls）和 CSV 文件，"
    "其他格式请用 Excel 或 WPS 另存为 .xlsx 后上传"
)
ERR_HTML_DISGUISED = (
    "文件其实是网页（HTML/XML）格式，只是扩展名像 Excel：请用 Excel 或 WPS 打开后另存为 .xlsx 再上传"
)
ERR_ENCRYPTED = "文件设置了打开密码（已加密），无法读取：请在 Excel 或 WPS 中取消密码并保存后再上传"
ERR_CORRUPT = "文件已损坏或无法读取：请用 Excel 或 WPS 打开，另存为 .xlsx 后再上传"
ERR_ENCODING = "无法识别 CSV 文件的文字编码：请另存为“CSV UTF-8”或 GBK 编码后再上传"
ERR_EMPTY = "表格里没有数据：所有工作表都是空的"

WARN_OTHER_SHEETS = (
    "工作簿里有{count}个工作表有数据，只读取了第{index}个工作表；其他工作表请另存为单独的文件上传"
)

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header, or an empty archive
_XLS_BOF, _XLS_WRITEPROTECT, _XLS_FILEPASS = 0x0809, 0x0086, 0x002F
# Formats that are certainly not a table, by their first bytes: PDF, images, archives, RTF, PostScript.
_OTHER_MAGICS = (
    b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"RIFF",
    b"Rar!", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b", b"BZh", b"{\\rtf", b"%!PS",
)  # fmt: skip
_EXCEL_EXTENSIONS = (".xlsx", ".xlsm", ".xltx", ".xls", ".xlt", ".et", ".ett")
_SNIFF_BYTES = 64 * 1024
# An xlsx unpacks to 5-20 times its size; far more means a zip bomb, not a name list.
_MAX_EXPANSION = 100

# Excel keeps 15 significant digits: an integer at or beyond 10**15 held as a number has already
# lost digits, so it is shown the way Excel's General format shows it ("4.20106E+17") for the ID
# parser to flag, never widened into a plausible but wrong 18-digit number.
_EXACT_INTEGER_LIMIT = 1e15


class ListFileError(Exception):
    """A list file was refused; ``message`` says why in Chinese and never quotes a cell."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class _Sheet:
    rows: list[list[str]]
    warnings: tuple[str, ...] = ()


# --- Recognising the file -------------------------------------------------------------------------


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + "MB"
    if size >= 1024:
        return f"{size / 1024:.1f}".removesuffix(".0") + "KB"
    return f"{size}字节"


def _cfb_entry(content: bytes, name: str) -> int | None:
    """Return the offset of a compound (OLE) file's directory entry called name, or None.

    Entry names are UTF-16LE, NUL-padded, in 128-byte entries that start on 128-byte boundaries
    (sectors are 512 or 4096 bytes), so an aligned hit is an entry and not text inside a stream.
    """
    needle = name.encode("utf-16-le") + b"\x00\x00"
    start = 0
    while (position := content.find(needle, start)) != -1:
        if position % 128 == 0 and int.from_bytes(content[position + 64 : position + 66], "little") == len(
            needle
        ):
            return position
        start = position + 1
    return None


def _xls_has_password(content: bytes, entry: int) -> bool:
    """Tell whether an .xls workbook stream starts with a FilePass record (an opening password).

    calamine notices it too, but its format auto-detection then reports only "cannot detect file
    format". FilePass follows the first BOF, at most after a WriteProtect, in the stream's first
    sector; a stream under 4096 bytes lives in the mini stream and is not looked at (Excel never
    writes one that small).
    """
    shift = int.from_bytes(content[30:32], "little")  # sector size as a power of two: 512 or 4096
    start = int.from_bytes(content[entry + 116 : entry + 120], "little")
    size = int.from_bytes(content[entry + 120 : entry + 124], "little")
    if shift not in (9, 12) or size < 4096:
        return False
    position = (start + 1) << shift
    for _ in range(3):
        if position + 4 > len(content):
            return False
        kind, length = struct.unpack_from("<HH", content, position)
        if kind == _XLS_FILEPASS:
            return True
        if kind not in (_XLS_BOF, _XLS_WRITEPROTECT):
            return False
        position += 4 + length
    return False


def _looks_like_excel_name(filename: str) -> bool:
    return filename.lower().endswith(_EXCEL_EXTENSIONS)


def _sniff_zip(content: bytes, filename: str, max_bytes: int) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
    except Exception:
        raise ListFileError(
            ERR_CORRUPT if _looks_like_excel_name(filename) else ERR_NOT_SPREADSHEET
        ) from None
    # xlsb (xl/workbook.bin), ods, docx and plain zips all land here.
    if not any(info.filename == "xl/workbook.xml" for info in infos):
        raise ListFileError(ERR_NOT_SPREADSHEET)
    if sum(info.file_size for info in infos) > max_bytes * _MAX_EXPANSION:
        raise ListFileError(ERR_TOO_LARGE.format(limit=_size_text(max_bytes)))
    return FORMAT_XLSX


def _decode_head(head: bytes) -> str | None:
    """Decode the start of a text file, tolerating a character cut in half at the end."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
    return None


def sniff(content: bytes, filename: str, *, max_bytes: int) -> str:
    """Return "xlsx", "xls" or "csv" from the file's bytes, or raise ``ListFileError``.

    The content decides; ``filename`` only picks between "damaged" and "not a spreadsheet" when the
    bytes are unreadable. ``max_bytes`` is the caller's upload limit.
    """
    if not content:
        raise ListFileError(ERR_EMPTY_FILE)
    if len(content) > max_bytes:
        raise ListFileError(ERR_TOO_LARGE.format(limit=_size_text(max_bytes)))
    if content.startswith(_CFB_MAGIC):
        # "Encrypt with password" wraps an xlsx in a compound file with an EncryptedPackage stream.
        # Searched anywhere, not only at entry boundaries: a false alarm needs that exact UTF-16 word.
        if "EncryptedPackage".encode("utf-16-le") in content:
            raise ListFileError(ERR_ENCRYPTED)
        entry = _cfb_entry(content, "Workbook")
        if entry is None:
            entry = _cfb_entry(content, "Book")  # Excel 5/95
        if entry is not None:
            if _xls_has_password(content, entry):
                raise ListFileError(ERR_ENCRYPTED)
            return FORMAT_XLS
        raise ListFileError(ERR_NOT_SPREADSHEET)  # a .doc, .ppt, .msg …
    if content.startswith(_ZIP_MAGICS):
        return _sniff_zip(content, filename, max_bytes)
    if content.startswith(_OTHER_MAGICS):
        raise ListFileError(ERR_NOT_SPREADSHEET)
    head = content[:_SNIFF_BYTES]
    text = _decode_head(head)
    if text is None or (b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))):
        if _looks_like_excel_name(filename):
            raise ListFileError(ERR_CORRUPT)
        if text is None and filename.lower().endswith((".csv", ".txt", ".tsv")):
            raise ListFileError(ERR_ENCODING)
        raise ListFileError(ERR_NOT_SPREADSHEET)
    start = text.lstrip()[:2048].lower()
    if start.startswith("<") and any(tag in start for tag in ("<html", "<table", "<?xml", "<!doctype")):
        raise ListFileError(ERR_HTML_DISGUISED)
    return FORMAT_CSV


# --- Reading cells as text ------------------------------------------------------------------------


def _excel_scientific(value: float) -> str:
    """Format value as Excel's General format shows a long number: 6 significant digits, "E+17"."""
    mantissa, exponent = f"{value:.5E}".split("E")
    return f"{mantissa.rstrip('0').rstrip('.')}E{exponent}"


def _float_text(value: float) -> str:
    if value.is_integer():
        if -_EXACT_INTEGER_LIMIT < value < _EXACT_INTEGER_LIMIT:
            return str(int(value))
        return _excel_scientific(value)
    # 15 significant digits hide binary noise (36.599999999999994 → 36.6), as Excel does.
    return format(value, ".15g")


def _datetime_text(value: datetime) -> str:
    if value.time() == time():
        return value.date().isoformat()
    return value.isoformat(sep=" ", timespec="minutes" if not value.second else "seconds")


def _time_text(value: time) -> str:
    return value.isoformat(timespec="minutes" if not value.second else "seconds")


def _duration_text(value: timedelta) -> str:
    hours, rest = divmod(int(value.total_seconds()), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def _cell_text(value: object) -> str:
    """Return a non-string cell as the text Excel shows for it."""
    if isinstance(value, float):  # every number in an xlsx, most in an xls
        return _float_text(value)
    if isinstance(value, bool):  # before int: bool is an int
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):  # before date: datetime is a date
        return _datetime_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return _time_text(value)
    if isinstance(value, timedelta):
        return _duration_text(value)
    return str(value)


def _has_data(rows: Iterable[list[str]]) -> bool:
    return any(any(cell.strip() for cell in row) for row in rows)


def _fill_merged(rows: list[list[str]], merged: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    """Copy each merged range's value into all its cells, as a clerk reading the sheet sees it.

    A family's shared address or a village name merged down ten rows belongs to every one of them.
    """
    height = len(rows)
    for (top, left), (bottom, right) in merged:
        if top >= height or left >= len(rows[top]):
            continue
        value = rows[top][left]
        for row in rows[top : min(bottom, height - 1) + 1]:
            for column in range(left, min(right, len(row) - 1) + 1):
                row[column] = value


def _read_workbook(content: bytes) -> _Sheet:
    """Read the first visible worksheet with data from an xlsx or xls file."""
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        chosen: list[list[str]] | None = None
        tab = chosen_tab = with_data = 0
        for index, meta in enumerate(book.sheets_metadata):
            if meta.visible != SheetVisibleEnum.Visible or meta.typ != SheetTypeEnum.WorkSheet:
                continue
            tab += 1  # the sheet's place among the tabs a clerk sees
            sheet = book.get_sheet_by_index(index)
            # skip_empty_area=False keeps row 1 as index 0, so row numbers match the spreadsheet.
            values = sheet.to_python(skip_empty_area=False)
            if not any(any(cell != "" for cell in row) for row in values):
                continue
            with_data += 1
            if chosen is None:
                chosen_tab = tab
                chosen = [[c if c.__class__ is str else _cell_text(c) for c in row] for row in values]
                _fill_merged(chosen, sheet.merged_cell_ranges or [])
    except PasswordError:
        raise ListFileError(ERR_ENCRYPTED) from None
    except Exception:
        raise ListFileError(ERR_CORRUPT) from None
    except BaseException as exc:
        # calamine's Rust code reports a malformed file it did not expect as a pyo3 PanicException,
        # which derives from BaseException; anything else (KeyboardInterrupt …) goes on up.
        if type(exc).__name__ != "PanicException":
            raise
        raise ListFileError(ERR_CORRUPT) from None
    if chosen is None:
        raise ListFileError(ERR_EMPTY)
    warnings = () if with_data == 1 else (WARN_OTHER_SHEETS.format(count=with_data, index=chosen_tab),)
    return _Sheet(chosen, warnings)


def _decode_text(content: bytes) -> str:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ListFileError(ERR_ENCODING)


def _sniff_delimiter(text: str) -> str:
    """Pick the delimiter most lines agree on: comma, tab or semicolon; a Chinese comma as a last resort.

    Title rows have none and quoted addresses may add a few, so the count most lines share wins.
    """
    lines = [line for line in text[:_SNIFF_BYTES].splitlines()[:50] if line.strip()]
    best, best_score = ",", (0, 0)
    for delimiter in (",", "\t", ";"):
        counts = Counter(line.count(delimiter) for line in lines)
        counts.pop(0, None)
        if counts:
            count, lines_agreeing = counts.most_common(1)[0]
            if (lines_agreeing, count) > best_score:
                best, best_score = delimiter, (lines_agreeing, count)
    if best_score == (0, 0) and any("，" in line for line in lines):
        return "，"
    return best


def _read_csv(content: bytes) -> _Sheet:
    text = _decode_text(content)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text)))
    except csv.Error:
        raise ListFileError(ERR_CORRUPT) from None
    if not _has_data(rows):
        raise ListFileError(ERR_EMPTY)
    return _Sheet(rows)


def _read(content: bytes, filename: str, max_bytes: int) -> tuple[str, _Sheet]:
    kind = sniff(content, filename, max_bytes=max_bytes)
    return kind, (_read_csv(content) if kind == FORMAT_CSV else _read_workbook(content))


def read_table(content: bytes, filename: str, *, max_bytes: int) -> list[list[str]]:
    """Return the cells of the first visible sheet with data, all as text, row 1 first.

    Integers come back as "123"; a number Excel has already cut to 15 digits as Excel shows it
    ("4.20106E+17"); dates as "2020-01-23"; booleans as "TRUE"/"FALSE"; merged cells filled in.
    CSV rows keep their own length; sheet rows are all as wide as the sheet.
    """
    return _read(content, filename, max_bytes)[1].rows
