"""Normalise Chinese personal names and compare them by characters and pinyin."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from rapidfuzz.distance import JaroWinkler

from epigrid.lib.idcard import clean_input

MIDDLE_DOT = "·"

# Compound (two-character) surnames, split off before the given name. Left out on
# purpose: 单于 and 宗政, 钟离, because 单/宗/钟 followed by a given name starting with
# 于/政/离 is far more common today than the compound surname itself.
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
        "宇文", "司徒", "夏侯", "令狐", "澹台", "端木", "万俟", "闻人", "轩辕", "西门",
        "南宫", "独孤", "呼延", "赫连", "申屠", "公冶", "太史", "濮阳", "淳于", "鲜于",
        "闾丘", "司空", "亓官", "百里", "东郭", "拓跋", "完颜", "第五", "公羊", "梁丘",
    }
)  # fmt: skip

# Surnames whose reading differs from the character's everyday (first pypinyin) reading,
# plus a few whose everyday reading happens to agree, so the table documents them all.
# Compound surnames are written with a space between their two syllables.
SURNAME_READINGS: dict[str, str] = {
    "曾": "zeng", "单": "shan", "仇": "qiu", "解": "xie", "区": "ou", "查": "zha",
    "朴": "piao", "覃": "qin", "盖": "ge", "缪": "miao", "翟": "zhai", "乐": "yue",
    "折": "she", "员": "yun", "繁": "po", "过": "guo", "华": "hua", "任": "ren",
    "纪": "ji", "燕": "yan", "宁": "ning", "曲": "qu", "黑": "he", "召": "shao",
    "洗": "xian", "冼": "xian", "种": "chong", "秘": "bi", "句": "gou", "阚": "kan",
    "藏": "zang", "尉": "wei", "薄": "bo", "都": "du", "褚": "chu", "隗": "wei",
    "郇": "xun", "能": "nai", "谌": "chen", "祭": "zhai", "车": "che", "颉": "xie",
    "乜": "nie", "宓": "mi", "盛": "sheng", "重": "chong", "么": "yao", "柏": "bai",
    "朝": "chao", "长": "chang", "沈": "shen", "贾": "jia", "石": "shi", "叶": "ye",
    "蔚": "yu", "尉迟": "yu chi", "万俟": "mo qi", "长孙": "zhang sun", "澹台": "tan tai",
}  # fmt: skip

# Second readings of polyphonic characters that people use in names although pypinyin's
# everyday reading is the other one (李长江 is often said cháng, 朝阳 zhāo). Only these are
# consulted: pypinyin's full heteronym lists hold archaic readings (王 has "yu") that would
# make unrelated characters homophones.
ALT_READINGS: dict[str, tuple[str, ...]] = {
    "长": ("chang",), "重": ("chong",), "朝": ("zhao",), "乐": ("yue",), "行": ("hang",),
    "茜": ("xi",), "都": ("du",), "薄": ("bo",), "柏": ("bo",), "曾": ("zeng",), "单": ("shan",),
    "解": ("xie",), "查": ("zha",), "率": ("lv",), "宿": ("xiu",), "奇": ("ji",), "会": ("kuai",),
    "觉": ("jiao",), "厦": ("xia",), "区": ("ou",), "覃": ("qin",), "翟": ("zhai",), "朴": ("piao",),
}  # fmt: skip

# Shape-alike characters confused when handwritten lists are retyped. Only needed where
# the readings differ (homophones are caught by pinyin); each string is one group.
LOOKALIKE_GROUPS = (
    "王玉主壬", "土士干千工", "未末朱", "己已巳", "天夭无", "日曰白", "人入八", "大太犬丈",
    "刀力", "田由甲申电", "午牛", "乌鸟", "戊戌戍成", "免兔", "冶治", "折拆", "徒徙",
    "晴睛", "微徽", "玲珍", "桂柱", "梅悔海", "贵责", "兵丘", "祥样", "茂戊", "淑椒",
    "坤绅", "钰铄", "休体", "找我", "汨汩", "崇祟", "拔拨", "侯候猴",
)  # fmt: skip
_HAS_ALTERNATIVES = frozenset(ALT_READINGS) | frozenset(SURNAME_READINGS)
_LOOKALIKE_PAIRS = frozenset((x, y) for group in LOOKALIKE_GROUPS for x in group for y in group if x != y)

# Cell contents that mean "no name" rather than a name.
JUNK_NAMES = frozenset({"无", "不详", "未知", "暂无", "空", "待定", "无名氏", "NULL", "NONE", "NA", "N/A"})

# Fuzzy-pinyin folding for southern accents and the IME habits they produce; applied per
# syllable. Initials: zh/ch/sh lose the h; n is written as l (刘/牛). Finals: -ng becomes -n
# (ang/an, eng/en, ing/in; iang/uang fold with them). Syllable hu becomes fu (胡/福).
# ong has no -on counterpart, so it is left alone.
FOLD_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
FOLD_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))
FOLD_SYLLABLES = {"hu": "fu"}

JW_CLOSE = 0.92
NAME_CACHE_SIZE = 1 << 18

# Compatibility ideographs (e.g. Korean-encoded 金 U+F90A) and Kangxi radicals pasted from
# PDFs look identical to ordinary characters; NFKC maps them, precomputed here. The dot
# variants (full-width ones are already folded by clean_input) become the one middle dot.
_RARE_CHARS = str.maketrans(
    {
        cp: unicodedata.normalize("NFKC", chr(cp))
        for cp in (*range(0xF900, 0xFB00), *range(0x2F00, 0x2FD6), *range(0x2F800, 0x2FA20))
        if len(unicodedata.normalize("NFKC", chr(cp))) == 1
        and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)
    }
    | dict.fromkeys(map(ord, "·•・‧∙⋅･.。"), MIDDLE_DOT)
)
# str.translate costs ~0.3 µs per CJK character (a failed lookup each), so it only runs
# when a regex scan, which is C-speed, finds something to translate.
_RARE_CHARS_RE = re.compile(r"[\uf900-\ufaff\u2f00-\u2fd5\U0002f800-\U0002fa1f·•・‧∙⋅･.。]")
# Everything clean_input changes: full-width forms, ideographic and other spaces (\s is
# the same Unicode set that str.split uses), zero-width characters and the apostrophe.
_UNCLEAN_RE = re.compile(r"[\uff01-\uff5e\u3000\u200b-\u200d\u2060\ufeff'\s]")
# Remarks in brackets, e.g. 王芳（户主）or 李四(小名阿四), are notes rather than the name.
_BRACKETED_RE = re.compile(r"[(\[【〔《<][^)\]】〕》>]*[)\]】〕》>]")
_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f"
_NOT_NAME_RE = re.compile(f"[^{_CJK}A-Za-z{MIDDLE_DOT}]+")
_DOT_RUN_RE = re.compile(f"{MIDDLE_DOT}{{2,}}")
_CJK_RE = re.compile(f"[{_CJK}]")


class NameAgreement(StrEnum):
    """How closely two names agree, strongest first."""

    EXACT = "exact"
    SAME_PINYIN = "same_pinyin"
    FOLDED_PINYIN = "folded_pinyin"
    CLOSE = "close"
    DIFFERENT = "different"
    UNKNOWN = "unknown"


# Levels under which two names may belong to one person (used by linkage rules).
NAME_SIMILAR = frozenset(
    {NameAgreement.EXACT, NameAgreement.SAME_PINYIN, NameAgreement.FOLDED_PINYIN, NameAgreement.CLOSE}
)


@dataclass(frozen=True, slots=True)
class NameInfo:
    """A normalised name with its surname and pinyin keys, computed once per name."""

    # Kept lean: 262,144 of these live in the cache, so whatever is cheap to derive
    # (the given name, initials) is derived on demand instead.
    normalized: str
    surname: str
    syllables: tuple[str, ...]
    key: str
    folded: str
    surname_syllables: int
    surname_folded: str


def _keep_char(text: str) -> str:
    """Return text unchanged as the pypinyin fallback for characters it cannot read."""
    return text


class _CharReadings(dict[str, str]):
    """Memo of the everyday toneless reading of each character seen so far."""

    def __missing__(self, char: str) -> str:
        """Look the character up in pypinyin once and remember it."""
        reading = lazy_pinyin(char, style=Style.NORMAL, errors=_keep_char)[0]
        self[char] = reading
        return reading


_READINGS = _CharReadings()
# Interned surnames and folded surnames, shared by every cached NameInfo that uses them.
_SHARED: dict[str, str] = {}


def clean_text(raw: str) -> str:
    """Return idcard.clean_input(raw), skipping the call when raw has nothing it changes."""
    return clean_input(raw) if _UNCLEAN_RE.search(raw) else raw


def normalize_name(raw: str) -> str:
    """Return the name with width, spaces, digits, punctuation and remarks cleaned away."""
    text = clean_text(raw)
    if _RARE_CHARS_RE.search(text):
        text = text.translate(_RARE_CHARS)
    text = _NOT_NAME_RE.sub("", _BRACKETED_RE.sub("", text))
    if MIDDLE_DOT in text:
        text = _DOT_RUN_RE.sub(MIDDLE_DOT, text).strip(MIDDLE_DOT)
    # Latin names are compared case-insensitively; upper case is the passport convention.
    text = text.upper()
    if text in JUNK_NAMES or not text.replace(MIDDLE_DOT, ""):
        return ""
    # The caller's object when nothing changed, so the name cache does not hold it twice.
    return raw if text == raw else text


def split_name(name: str) -> tuple[str, str]:
    """Split a normalised name into (surname, given name)."""
    # Dotted minority or foreign names (阿依古丽·买买提) and Latin names have no Chinese
    # surname in front; the whole name is treated as given.
    if not name or MIDDLE_DOT in name or not _CJK_RE.match(name):
        return "", name
    # Only a name of three or more characters can start with a compound surname: a
    # two-character 欧阳 is surname 欧 with given name 阳.
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def _syllables(text: str) -> list[str]:
    """Read text character by character; a run of Latin letters is one lower-case syllable."""
    # Per character rather than by pypinyin's phrase dictionary: a phrase reading of one
    # spelling (重阳 chongyang) would differ from its typo (重扬 zhongyang), while
    # consistent readings keep homophone typos equal.
    out: list[str] = []
    latin = ""
    for char in text:
        if char.isascii():
            if char.isalpha():
                latin += char.lower()
                continue
        elif char != MIDDLE_DOT:
            if latin:
                out.append(latin)
                latin = ""
            out.append(_READINGS[char])
            continue
        if latin:
            out.append(latin)
            latin = ""
    if latin:
        out.append(latin)
    return out


@lru_cache(maxsize=1 << 12)
def fold_syllable(syllable: str) -> str:
    """Fold one toneless syllable by the fuzzy-pinyin rules."""
    if syllable in FOLD_SYLLABLES:
        return FOLD_SYLLABLES[syllable]
    for old, new in FOLD_INITIALS:
        if syllable.startswith(old):
            syllable = new + syllable[len(old) :]
            break
    for old, new in FOLD_FINALS:
        if syllable.endswith(old):
            return syllable[: -len(old)] + new
    return syllable


def fold_pinyin(syllables: tuple[str, ...]) -> str:
    """Return the folded key of a name's syllables (folding needs syllable boundaries)."""
    return "".join([fold_syllable(s) for s in syllables])


@lru_cache(maxsize=NAME_CACHE_SIZE)
def name_info(name: str) -> NameInfo:
    """Normalise, split and read a name (cached: the same names recur across lists)."""
    normalized = normalize_name(name)
    surname, given = split_name(normalized)
    head = SURNAME_READINGS[surname].split() if surname in SURNAME_READINGS else _syllables(surname)
    syllables = (*head, *_syllables(given))
    key = "".join(syllables)
    folded = fold_pinyin(syllables)
    surname_folded = fold_pinyin(tuple(head))
    # Shared string objects wherever the values repeat (a few hundred surnames, unfolded
    # keys) keep the full cache near 80 MB instead of 155.
    return NameInfo(
        normalized=normalized,
        surname=_SHARED.setdefault(surname, surname),
        syllables=syllables,
        key=key,
        folded=key if folded == key else folded,
        surname_syllables=len(head),
        surname_folded=_SHARED.setdefault(surname_folded, surname_folded),
    )


def pinyin_syllables(name: str) -> tuple[str, ...]:
    """Return the toneless syllables of a name, the surname read as a surname."""
    return name_info(name).syllables


def pinyin_key(name: str) -> str:
    """Return the toneless pinyin of a name with no separators, e.g. 曾强 → zengqiang."""
    return name_info(name).key


def folded_key(name: str) -> str:
    """Return the fuzzy-pinyin folded key of a name."""
    return name_info(name).folded


def initials_key(name: str) -> str:
    """Return the first letters of each syllable, e.g. 曾强 → zq."""
    return "".join([s[0] for s in name_info(name).syllables])


def _readings(char: str, first: bool) -> set[str]:
    """Return the accepted readings of a character, its surname reading if it comes first."""
    readings = {_READINGS[char], *ALT_READINGS.get(char, ())}
    if first and char in SURNAME_READINGS:
        readings.add(SURNAME_READINGS[char])
    return readings


def _same_by_some_reading(x: str, y: str) -> bool:
    """Tell whether some accepted reading of each character makes two names homophones."""
    # Covers polyphonic characters whose everyday reading differs: 李长江 (zhang) vs 李常江.
    for i, (p, q) in enumerate(zip(x, y, strict=True)):
        if p == q or _READINGS[p] == _READINGS[q]:
            continue
        # Most characters have one accepted reading, and then they simply differ here.
        if p not in _HAS_ALTERNATIVES and q not in _HAS_ALTERNATIVES:
            return False
        if not _readings(p, i == 0) & _readings(q, i == 0):
            return False
    return True


def _is_close(a: NameInfo, b: NameInfo) -> bool:
    """Tell whether two different names are plausibly one name with a single slip."""
    x, y = a.normalized, b.normalized
    if len(x) == len(y):
        diffs = [i for i in range(len(x)) if x[i] != y[i]]
        if len(diffs) == 1:
            # In a two-character name one changed character is half the name, so only a
            # known look-alike counts; in longer names one slip leaves the rest as evidence.
            return len(x) >= 3 or (x[diffs[0]], y[diffs[0]]) in _LOOKALIKE_PAIRS
        if len(diffs) == 2:
            i, j = diffs
            # Swapped given-name characters; the longer surname of the two spellings bounds it.
            if j == i + 1 and x[i] == y[j] and x[j] == y[i] and i >= max(len(a.surname), len(b.surname)):
                return True
    elif abs(len(x) - len(y)) == 1 and max(len(x), len(y)) >= 4:
        longer, shorter = (x, y) if len(x) > len(y) else (y, x)
        if any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer))):
            return True
    if MIDDLE_DOT in x or MIDDLE_DOT in y:
        # A list often keeps only the personal part of 阿依古丽·买买提.
        return x.split(MIDDLE_DOT, 1)[0] == y.split(MIDDLE_DOT, 1)[0]
    # Jaro-Winkler on the given-name pinyin once the surnames agree: on whole names the
    # shared surname prefix alone lifts 张伟/张文 (zhangwei/zhangwen) to 0.95.
    if a.surname and b.surname:
        if a.surname_folded != b.surname_folded:
            return False
        given_a = "".join(a.syllables[a.surname_syllables :])
        given_b = "".join(b.syllables[b.surname_syllables :])
        return JaroWinkler.similarity(given_a, given_b) >= JW_CLOSE
    return JaroWinkler.similarity(a.key, b.key) >= JW_CLOSE


def name_similarity(a: str, b: str) -> NameAgreement:
    """Grade how closely two names (raw or normalised) agree."""
    info_a, info_b = name_info(a), name_info(b)
    x, y = info_a.normalized, info_b.normalized
    if not x or not y:
        return NameAgreement.UNKNOWN
    if x == y:
        return NameAgreement.EXACT
    # The separator dot is often omitted or typed as something that normalises away.
    if (MIDDLE_DOT in x or MIDDLE_DOT in y) and x.replace(MIDDLE_DOT, "") == y.replace(MIDDLE_DOT, ""):
        return NameAgreement.EXACT
    if info_a.syllables == info_b.syllables or (len(x) == len(y) and _same_by_some_reading(x, y)):
        return NameAgreement.SAME_PINYIN
    if info_a.folded == info_b.folded:
        return NameAgreement.FOLDED_PINYIN
    if _is_close(info_a, info_b):
        return NameAgreement.CLOSE
    return NameAgreement.DIFFERENT
