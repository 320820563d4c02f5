"""Parse region files (tree as CSV/xlsx, boundaries as GeoJSON) into validated rows, or say why not.

Parsing is all-or-nothing: any bad row raises ``RegionFileError`` listing every problem with its row
number as the spreadsheet shows it (the header is row 1) and its column, and nothing is written.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from epigrid.regions.models import Level

COLUMNS = ("code", "name", "parent_code", "level")
# Headers accepted for each column, English or the Chinese a clerk would type.
HEADER_ALIASES: dict[str, str] = {
    "code": "code", "区划代码": "code", "代码": "code", "编码": "code",
    "name": "name", "名称": "name", "区域名称": "name",
    "parent_code": "parent_code", "parent": "parent_code", "上级代码": "parent_code",
    "上级区划代码": "parent_code",
    "level": "level", "层级": "level", "级别": "level",
}  # fmt: skip
LEVEL_ALIASES: dict[str, int] = {
    "1": Level.DISTRICT, "district": Level.DISTRICT, "区": Level.DISTRICT, "县": Level.DISTRICT,
    "区/县": Level.DISTRICT, "区县": Level.DISTRICT,
    "2": Level.TOWN, "town": Level.TOWN, "镇": Level.TOWN, "乡": Level.TOWN, "街道": Level.TOWN,
    "镇/街道": Level.TOWN, "乡镇": Level.TOWN,
    "3": Level.VILLAGE, "village": Level.VILLAGE, "村": Level.VILLAGE, "社区": Level.VILLAGE,
    "村/社区": Level.VILLAGE,
    "4": Level.GRID, "grid": Level.GRID, "网格": Level.GRID,
    "5": Level.AREA, "area": Level.AREA, "片区": Level.AREA,
}  # fmt: skip
CODE_LENGTH: dict[int, int] = {Level.DISTRICT: 6, Level.TOWN: 9, Level.VILLAGE: 12}

ERR_EMPTY_FILE = "文件为空或没有数据行"
ERR_MISSING_COLUMNS = "缺少列：{columns}（需要 区划代码、名称、上级代码、层级）"
ERR_UNREADABLE = "无法读取文件：{reason}"
ERR_REQUIRED = "第{row}行 {column}：不能为空"
ERR_CODE_DIGITS = "第{row}行 {column}：区划代码只能是数字"
ERR_CODE_LENGTH = "第{row}行 {column}：{level}的区划代码应为{length}位"
ERR_GRID_CODE = "第{row}行 {column}：网格代码应以上级代码开头并更长"
ERR_LEVEL = "第{row}行 {column}：无法识别的层级“{value}”"
ERR_DUPLICATE = "第{row}行 {column}：区划代码与第{other}行重复"
ERR_PARENT_MISSING = "第{row}行 {column}：上级代码在文件和系统中都不存在"
ERR_PARENT_LEVEL = "第{row}行 {column}：上级层级不对（{level}的上级应为{parent_level}）"
ERR_PARENT_PREFIX = "第{row}行 {column}：区划代码应以上级代码开头"
ERR_DISTRICT_PARENT = "第{row}行 {column}：区/县不应有上级代码"
ERR_FOREIGN = "第{row}行 {column}：该区划代码属于您管辖范围以外的区域"
ERR_DISTRICT_NOT_ALLOWED = "第{row}行 {column}：只有系统管理员可以新增区/县"
ERR_NAME_LENGTH = "第{row}行 {column}：名称超过100个字"

ERR_GEOJSON = "GeoJSON 无法解析：{reason}"
ERR_GEOJSON_FEATURE = "第{row}个要素 {column}：{reason}"

COLUMN_LABELS = {"code": "区划代码", "name": "名称", "parent_code": "上级代码", "level": "层级"}


class RegionFileError(Exception):
    """A region file was refused; ``errors`` lists every problem, each naming its row and column."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class RegionRow:
    row: int
    code: str
    name: str
    parent_code: str
    level: int


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # A code typed into Excel as a number comes back as 110105001.0.
        return str(int(value))
    return str(value).strip().lstrip("'")


def read_table(content: bytes, filename: str) -> list[list[str]]:
    """Read a CSV (UTF-8 with or without BOM, or GB18030 as Chinese Excel saves it) or xlsx file."""
    try:
        if filename.lower().endswith((".xlsx", ".xlsm")):
            from openpyxl import load_workbook

            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
            return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise RegionFileError([ERR_UNREADABLE.format(reason="编码不是 UTF-8 或 GB18030")])
        return [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text))]
    except RegionFileError:
        raise
    except Exception as exc:
        raise RegionFileError([ERR_UNREADABLE.format(reason=type(exc).__name__)]) from None


def parse_region_table(
    table: list[list[str]],
    *,
    existing: dict[str, int],
    foreign: frozenset[str] | set[str] = frozenset(),
    may_add_district: bool = True,
) -> list[RegionRow]:
    """Validate a region table.

    ``existing`` maps the codes the importing user may change to their level; ``foreign`` holds codes
    that exist outside the user's subtrees, which the file may neither rename nor hang regions under.
    """
    rows = [r for r in table if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise RegionFileError([ERR_EMPTY_FILE])
    header = [HEADER_ALIASES.get(h.strip().lower(), HEADER_ALIASES.get(h.strip(), "")) for h in rows[0]]
    missing = [COLUMN_LABELS[c] for c in COLUMNS if c not in header]
    if missing:
        raise RegionFileError([ERR_MISSING_COLUMNS.format(columns="、".join(missing))])
    index = {name: header.index(name) for name in COLUMNS}
    errors: list[str] = []
    parsed: list[RegionRow] = []
    seen: dict[str, int] = {}
    for offset, raw in enumerate(table[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        cells = {name: (raw[i].strip() if i < len(raw) else "") for name, i in index.items()}

        def col(name: str) -> str:
            return f"第{index[name] + 1}列（{COLUMN_LABELS[name]}）"

        row_errors: list[str] = []
        for name in ("code", "name", "level"):
            if not cells[name]:
                row_errors.append(ERR_REQUIRED.format(row=offset, column=col(name)))
        level = LEVEL_ALIASES.get(cells["level"].lower()) if cells["level"] else None
        if cells["level"] and level is None:
            row_errors.append(ERR_LEVEL.format(row=offset, column=col("level"), value=cells["level"]))
        code = cells["code"]
        if code and not code.isdigit():
            row_errors.append(ERR_CODE_DIGITS.format(row=offset, column=col("code")))
        elif code and level in CODE_LENGTH and len(code) != CODE_LENGTH[level]:
            row_errors.append(
                ERR_CODE_LENGTH.format(
                    row=offset, column=col("code"), level=Level(level).label, length=CODE_LENGTH[level]
                )
            )
        if len(cells["name"]) > 100:
            row_errors.append(ERR_NAME_LENGTH.format(row=offset, column=col("name")))
        if code in seen:
            row_errors.append(ERR_DUPLICATE.format(row=offset, column=col("code"), other=seen[code]))
        parent = cells["parent_code"]
        if level == Level.DISTRICT and parent:
            row_errors.append(ERR_DISTRICT_PARENT.format(row=offset, column=col("parent_code")))
        if level is not None and level != Level.DISTRICT and not parent:
            row_errors.append(ERR_REQUIRED.format(row=offset, column=col("parent_code")))
        if code in foreign:
            row_errors.append(ERR_FOREIGN.format(row=offset, column=col("code")))
        if level == Level.DISTRICT and not may_add_district and code not in existing:
            row_errors.append(ERR_DISTRICT_NOT_ALLOWED.format(row=offset, column=col("level")))
        if code:
            seen.setdefault(code, offset)
        if row_errors:
            errors.extend(row_errors)
            continue
        if level is None:  # unreachable: a missing or unknown level added a row error above
            continue
        parsed.append(RegionRow(row=offset, code=code, name=cells["name"], parent_code=parent, level=level))

    file_levels = {r.code: r.level for r in parsed}
    for r in parsed:
        if r.level == Level.DISTRICT:
            continue
        column = f"第{index['parent_code'] + 1}列（{COLUMN_LABELS['parent_code']}）"
        parent_level = file_levels.get(r.parent_code, existing.get(r.parent_code))
        if parent_level is None:
            errors.append(ERR_PARENT_MISSING.format(row=r.row, column=column))
        elif parent_level != r.level - 1:
            errors.append(
                ERR_PARENT_LEVEL.format(
                    row=r.row,
                    column=column,
                    level=Level(r.level).label,
                    parent_level=Level(r.level - 1).label,
                )
            )
        elif r.level in (Level.GRID, Level.AREA):
            if not (r.code.startswith(r.parent_code) and len(r.code) > len(r.parent_code)):
                errors.append(ERR_GRID_CODE.format(row=r.row, column=f"第{index['code'] + 1}列（区划代码）"))
        elif not r.code.startswith(r.parent_code[: CODE_LENGTH[Level(r.level - 1)]]):
            errors.append(ERR_PARENT_PREFIX.format(row=r.row, column=f"第{index['code'] + 1}列（区划代码）"))
    if errors:
        raise RegionFileError(errors)
    return sorted(parsed, key=lambda r: (r.level, r.code))


@dataclass(frozen=True)
class BoundaryRow:
    row: int
    code: str
    geometry: dict[str, Any]


def parse_boundaries(content: bytes, *, known_codes: set[str]) -> list[BoundaryRow]:
    """Validate a GeoJSON FeatureCollection whose features carry ``properties.code``."""
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegionFileError([ERR_GEOJSON.format(reason=type(exc).__name__)]) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise RegionFileError([ERR_GEOJSON.format(reason="顶层应为 FeatureCollection")])
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise RegionFileError([ERR_GEOJSON.format(reason="没有要素")])
    errors: list[str] = []
    rows: list[BoundaryRow] = []
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        code = str((props or {}).get("code", "")).strip()
        if not code:
            errors.append(ERR_GEOJSON_FEATURE.format(row=number, column="properties.code", reason="不能为空"))
            continue
        if code not in known_codes:
            errors.append(
                ERR_GEOJSON_FEATURE.format(row=number, column="properties.code", reason="区域不存在")
            )
            continue
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            errors.append(
                ERR_GEOJSON_FEATURE.format(
                    row=number, column="geometry", reason="应为 Polygon 或 MultiPolygon"
                )
            )
            continue
        if not _coordinates_ok(geometry):
            errors.append(ERR_GEOJSON_FEATURE.format(row=number, column="geometry", reason="坐标无效"))
            continue
        rows.append(BoundaryRow(row=number, code=code, geometry=geometry))
    if errors:
        raise RegionFileError(errors)
    return rows


def _coordinates_ok(geometry: dict[str, Any]) -> bool:
    coordinates = geometry.get("coordinates") or []
    polygons = coordinates if geometry["type"] == "MultiPolygon" else [coordinates]
    try:
        for polygon in polygons:
            for ring in polygon:
                if len(ring) < 4:
                    return False
                for lon, lat, *_rest in ring:
                    if not (-180 <= float(lon) <= 180 and -90 <= float(lat) <= 90):
                        return False
    except (TypeError, ValueError):
        return False
    return True
