"""Recognise the columns of a department's name list, whatever each department calls them.

Every department (区教育局, 区卫健局, 派出所 …) names its columns its own way: "身份证号码",
"证件号码（必填）", "联系电话\\n（手机）", "*姓  名". ``propose_mapping`` normalises each header cell and
matches it against the synonyms below, then assigns each field to at most one column, best match first.
Pure Python, no Django: the import task and the CLI both use it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

# Canonical fields of a list row, in the order they are shown; the order also breaks ties between
# equally good matches (an earlier field wins), which is why remarks and seq come last.
FIELDS = (
    "name",
    "id_number",
    "doc_type",
    "sex",
    "age",
    "birth_date",
    "phone",
    "address",
    "household_address",
    "work_unit",
    "origin",
    "via_outbreak",
    "left_date",
    "arrival_date",
    "transport",
    "transport_no",
    "companions",
    "temperature",
    "symptoms",
    "measures",
    "village",
    "grid",
    "cadre",
    "remarks",
    "seq",
)
REQUIRED_FIELDS = ("name",)
# At least one of these identifies a person well enough to find them again; without either a list
# can still be read, but matching it against the registry is guesswork.
IDENTIFYING_FIELDS = ("id_number", "phone")

FIELD_LABELS: dict[str, str] = {
    "name": "姓名", "id_number": "身份证号", "doc_type": "证件类型", "sex": "性别", "age": "年龄",
    "birth_date": "出生日期", "phone": "联系电话", "address": "现住址", "household_address": "户籍地址",
    "work_unit": "工作单位", "origin": "从何地返回", "via_outbreak": "是否途经武汉", "left_date": "离开日期",
    "arrival_date": "返回日期", "transport": "交通工具", "transport_no": "车次/航班/车牌",
    "companions": "同行人员", "temperature": "体温", "symptoms": "症状", "measures": "采取措施",
    "village": "所在村（社区）", "grid": "网格", "cadre": "包保人", "remarks": "备注", "seq": "序号",
}  # fmt: skip

WARN_NO_ID_OR_PHONE = "没有找到身份证号或联系电话列：无法可靠地核对人员，请检查表头或手动指定各列"
WARN_DUPLICATE_COLUMN = "{column}列（{header}）和{first}列都像是“{field}”，只使用了{first}列"

# A header naming someone other than the listed person: "包保人电话" is the cadre's phone and
# "家长姓名" a pupil's parent. Person fields never take such a column by a contains-match.
_OTHER_PERSON = (
    "包保 包联 责任 排查 填报 填表 审核 网格员 网格长 联系人 紧急 家属 家长 监护人 同行 同住 户主 医生 "
    "监测人 登记人 驾驶员 司机"
)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How headers name one field.

    ``synonyms`` match exactly or when contained in a header (longest first); ``exact`` only match a
    whole header (too short or too generic to be found inside another: "村", "其他"); ``patterns``
    match a whole header by regular expression ("返京时间"). A header holding one of ``excludes``
    only matches exactly as written: "联系电话（家属）" is not the person's phone.
    """

    key: str
    synonyms: tuple[str, ...]
    exact: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()


def _spec(
    key: str, synonyms: str, *, exact: str = "", patterns: tuple[str, ...] = (), excludes: str = ""
) -> FieldSpec:
    """Build a FieldSpec from space-separated word lists, which keep the table below readable."""
    return FieldSpec(key, tuple(synonyms.split()), tuple(exact.split()), patterns, tuple(excludes.split()))


SPECS: tuple[FieldSpec, ...] = (
    _spec(
        "name",
        "姓名 名字 人员姓名 本人姓名 学生姓名 返乡人员姓名",
        exact="name",
        excludes=f"{_OTHER_PERSON} 单位 学校 小区 拼音 曾用名",
    ),
    _spec(
        "id_number",
        "身份证号 身份证号码 证件号码 公民身份号码 身份证 证件号 身份号码 身份证件号码",
        exact="id idcard idno idnumber",
        excludes=_OTHER_PERSON,
    ),
    _spec("doc_type", "证件类型 证件种类 证件名称", exact="doctype"),
    _spec("sex", "性别", exact="sex gender"),
    _spec("age", "年龄 岁数", exact="age", excludes=_OTHER_PERSON),
    _spec(
        "birth_date",
        "出生日期 出生年月 出生年月日 生日",
        exact="birthdate birthday dob",
        excludes=_OTHER_PERSON,
    ),
    _spec(
        "phone",
        "联系电话 手机号 电话 手机 联系方式 手机号码 电话号码 本人电话 本人手机 联系号码",
        exact="phone mobile tel telephone",
        excludes=_OTHER_PERSON,
    ),
    _spec(
        "address",
        "现住址 居住地址 住址 现居住地址 家庭住址 现居住地 居住地 现住地址 家庭地址 详细地址 现住地 "
        "居住地点 地址",
        exact="address 住所",
        excludes=f"户籍 户口 工作 单位 学校 出发 返回 来源 目的 隔离 途经 {_OTHER_PERSON}",
    ),
    _spec("household_address", "户籍地址 户籍地 户籍所在地 户口所在地 户籍住址 户口地址 户籍"),
    _spec(
        "work_unit",
        "工作单位 单位 工作学习单位 单位名称 就读学校 所在学校 学校",
        exact="workunit employer",
        excludes="填报 报送 上报 审核 包保 包联 地址",
    ),
    _spec(
        "origin",
        "从何地返回 出发地 来源地 返回地点 从何地来 从何处返回 来自何地 从何地返 出发地点 返回地",
        exact="来源 origin",
    ),
    _spec(
        "via_outbreak",
        "是否途经武汉 是否来自湖北 途经 是否途经湖北 是否来自武汉 是否去过武汉 是否到过武汉 武汉旅居史 "
        "湖北旅居史 旅居史 是否经停武汉",
    ),
    _spec(
        "left_date",
        "离开日期 离汉日期 离开时间 离汉时间 离鄂日期 离鄂时间 离开武汉时间 出发日期 出发时间",
        patterns=(r"离\w?\w?(日期|时间)",),
    ),
    _spec(
        "arrival_date",
        "返回日期 抵达日期 到达时间 返乡日期 到达日期 返回时间 返乡时间 抵达时间 返回本地时间 返回本地日期",
        # "返京时间", "抵邕日期", "来沪时间": the place is one or two characters of any city.
        patterns=(r"(返|回|到|抵|来)\w?\w?(日期|时间)",),
    ),
    _spec("transport", "交通工具 交通方式 出行方式 返回方式 返乡方式 乘坐交通工具"),
    _spec("transport_no", "车次航班号 车次航班 车次 航班 车牌 车牌号 航班号 车牌号码 班次"),
    _spec("companions", "同行人员 同行人 同行者 随行人员 同行家属 同行人数"),
    _spec("temperature", "体温", exact="temperature temp"),
    _spec("symptoms", "症状 有无症状 身体状况 健康状况 有无发热 是否发热", exact="symptoms"),
    _spec("measures", "采取措施 管控措施 处置措施 管理措施 隔离措施 措施 管控情况 处置情况 管控方式"),
    _spec(
        "village",
        "所在村 社区 村社区 村居 所在社区 所属村 所属社区 村委会 居委会 所在村社区",
        exact="村 村别 村名",
        excludes="医生 卫生 网格",
    ),
    _spec("grid", "网格 所属网格 所在网格 网格名称 网格编号", exact="grid", excludes="员 长 人"),
    _spec(
        "cadre",
        "包保人 包保干部 责任人 包保责任人 包联人 包联干部 责任干部 网格员 网格长",
        exact="cadre",
    ),
    _spec("remarks", "备注 备注说明", exact="说明 其他 其他情况 remarks remark note notes"),
    _spec("seq", "序号", exact="编号 序 no number"),
)
SPEC_BY_KEY = {spec.key: spec for spec in SPECS}

# Match qualities, also reported per field so a page can highlight the guesses worth a look.
QUALITY_EXACT = 1.0
QUALITY_CORE = 0.95  # exact once a parenthesised note is dropped: "联系电话（手机）"
QUALITY_PATTERN = 0.9
QUALITY_CONTAINS = 0.6  # plus up to 0.3 for how much of the header the synonym covers
# Confidence is scaled down when no column identifies a person (see IDENTIFYING_FIELDS).
_NO_ID_PENALTY = 0.6

_BRACKETS_RE = re.compile(r"\([^()]*\)|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕|<[^<>]*>|《[^》]*》")
_NON_WORD_RE = re.compile(r"[\W_]+")


def normalise_header(text: str) -> tuple[str, str]:
    """Return (full, core) forms of a header: width folded, lower-cased, punctuation and spaces gone.

    ``core`` also drops parenthesised notes, so "联系电话（手机）" gives ("联系电话手机", "联系电话");
    when nothing is left outside the parentheses ``core`` equals ``full``.
    """
    # NFKC folds full-width letters, digits and brackets ("（" → "(") to ASCII.
    folded = unicodedata.normalize("NFKC", text).lower()
    full = _NON_WORD_RE.sub("", folded)
    core = _NON_WORD_RE.sub("", _BRACKETS_RE.sub("", folded)) or full
    return full, core


def _normalised(words: Sequence[str]) -> tuple[str, ...]:
    """Normalise synonyms the way headers are, longest first so the most specific one is tried first."""
    return tuple(sorted({normalise_header(w)[0] for w in words}, key=len, reverse=True))


@dataclass(frozen=True, slots=True)
class _Matcher:
    key: str
    exact: frozenset[str]
    contains: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    excludes: tuple[str, ...]

    def score(self, full: str, core: str) -> float:
        """Return how well a normalised header names this field, 0.0 for not at all."""
        if not full:
            return 0.0
        if full in self.exact:
            return QUALITY_EXACT
        # Past this point a note or qualifier may change whose data the column holds
        # ("联系电话（家属）"), so the excluded words count.
        if any(word in full for word in self.excludes):
            return 0.0
        if core in self.exact:
            return QUALITY_CORE
        if any(p.fullmatch(core) for p in self.patterns):
            return QUALITY_PATTERN
        # A synonym found only inside the parenthesised note counts for a little less.
        for text, penalty in ((core, 0.0), (full, 0.05)):
            for synonym in self.contains:
                if synonym in text:
                    return QUALITY_CONTAINS + 0.3 * len(synonym) / len(text) - penalty
        return 0.0


def _matcher(spec: FieldSpec) -> _Matcher:
    synonyms = _normalised(spec.synonyms)
    return _Matcher(
        key=spec.key,
        exact=frozenset((*synonyms, *_normalised(spec.exact))),
        # A one-character synonym inside a longer header is a coincidence, never a match.
        contains=tuple(s for s in synonyms if len(s) >= 2),
        patterns=tuple(re.compile(p) for p in spec.patterns),
        excludes=_normalised(spec.excludes),
    )


_MATCHERS = tuple(_matcher(spec) for spec in SPECS)
_FIELD_ORDER = {key: i for i, key in enumerate(FIELDS)}
# Every exact synonym of "name": a data row whose name cell holds one of these is a repeated header.
NAME_HEADER_WORDS = _MATCHERS[0].exact


def column_letter(index: int) -> str:
    """Return the spreadsheet letter of a 0-based column index: 0 → "A", 27 → "AB"."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def header_scores(label: str) -> dict[str, float]:
    """Return every field the header could name, with its match quality."""
    full, core = normalise_header(label)
    scores: dict[str, float] = {}
    for matcher in _MATCHERS:
        quality = matcher.score(full, core)
        if quality:
            scores[matcher.key] = quality
    return scores


def match_header(label: str) -> str | None:
    """Return the field a header most likely names, ignoring the other columns, or None."""
    scores = header_scores(label)
    if not scores:
        return None
    return max(scores, key=lambda key: (scores[key], -_FIELD_ORDER[key]))


@dataclass(frozen=True)
class ColumnMapping:
    """Which column holds each field.

    ``columns`` maps a field to its 0-based column; ``extra_columns`` lists further columns whose
    text is joined onto it (the sub-columns of a merged header such as 现住址 → 小区/楼号/单元/房间);
    ``unrecognised`` holds the columns with a header that names no field; ``quality`` how sure each
    match is (1.0 exact … 0.6 a guess); ``confidence`` sums it up for the whole sheet, 0.0 without a
    name column.
    """

    columns: dict[str, int]
    headers: tuple[str, ...]
    unrecognised: tuple[int, ...] = ()
    extra_columns: dict[str, tuple[int, ...]] = field(default_factory=dict)
    quality: dict[str, float] = field(default_factory=dict)
    confidence: float = 0.0
    warnings: tuple[str, ...] = ()

    @property
    def missing_required(self) -> tuple[str, ...]:
        """Return the required fields no column was found for."""
        return tuple(key for key in REQUIRED_FIELDS if key not in self.columns)


def _confidence(columns: dict[str, int], quality: dict[str, float]) -> float:
    if "name" not in columns:
        return 0.0
    value = sum(quality.values()) / len(quality)
    if not any(key in columns for key in IDENTIFYING_FIELDS):
        value *= _NO_ID_PENALTY
    return round(value, 3)


def _mapping_warnings(columns: dict[str, int]) -> list[str]:
    if any(key in columns for key in IDENTIFYING_FIELDS):
        return []
    return [WARN_NO_ID_OR_PHONE]


def propose_mapping(header_cells: list[str], *, groups: Sequence[Sequence[int]] = ()) -> ColumnMapping:
    """Guess which column holds each field from the header row.

    Best matches are assigned first, so "身份证号码" takes id_number even when "证件类型（身份证）"
    also mentions it; each field takes one column and each column one field, the leftmost on a tie.
    ``groups`` are runs of columns under one merged header (see ``ColumnMapping.extra_columns``): a
    column in a group whose field already went to another column of the same group joins it.
    """
    candidates: list[tuple[float, int, int, str]] = []
    best: dict[int, str] = {}
    for column, label in enumerate(header_cells):
        scores = header_scores(label)
        if scores:
            best[column] = max(scores, key=lambda key: (scores[key], -_FIELD_ORDER[key]))
        candidates.extend((quality, -_FIELD_ORDER[key], -column, key) for key, quality in scores.items())
    candidates.sort(reverse=True)

    columns: dict[str, int] = {}
    quality: dict[str, float] = {}
    taken: set[int] = set()
    for score, _order, negative_column, key in candidates:
        column = -negative_column
        if key in columns or column in taken:
            continue
        columns[key] = column
        quality[key] = round(score, 3)
        taken.add(column)

    extra: dict[str, list[int]] = {}
    for group in groups:
        owners = {key: column for key, column in columns.items() if column in group}
        for column in group:
            guess = best.get(column)
            if column not in taken and guess is not None and guess in owners:
                extra.setdefault(guess, []).append(column)
                taken.add(column)

    warnings = _mapping_warnings(columns)
    for column, key in sorted(best.items()):
        if column not in taken and key in columns:
            warnings.append(
                WARN_DUPLICATE_COLUMN.format(
                    column=column_letter(column),
                    header=header_cells[column].strip(),
                    first=column_letter(columns[key]),
                    field=FIELD_LABELS[key],
                )
            )
    unrecognised = tuple(
        column for column, label in enumerate(header_cells) if label.strip() and column not in taken
    )
    ordered = dict(sorted(columns.items(), key=lambda item: item[1]))
    return ColumnMapping(
        columns=ordered,
        headers=tuple(header_cells),
        unrecognised=unrecognised,
        extra_columns={key: tuple(cols) for key, cols in extra.items()},
        quality=quality,
        confidence=_confidence(ordered, quality),
        warnings=tuple(warnings),
    )


def mapping_from_columns(columns: dict[str, int], header_cells: list[str]) -> ColumnMapping:
    """Build a mapping a person chose by hand; the caller has checked fields and columns exist."""
    chosen = set(columns.values())
    ordered = dict(sorted(columns.items(), key=lambda item: item[1]))
    return ColumnMapping(
        columns=ordered,
        headers=tuple(header_cells),
        unrecognised=tuple(
            column for column, label in enumerate(header_cells) if label.strip() and column not in chosen
        ),
        quality=dict.fromkeys(ordered, QUALITY_EXACT),
        confidence=1.0 if "name" in ordered else 0.0,
        warnings=tuple(_mapping_warnings(ordered)),
    )
