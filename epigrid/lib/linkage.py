"""Compare and score person records for linking department lists to the registry."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from math import log2
from types import MappingProxyType

from rapidfuzz import fuzz
from rapidfuzz.distance import Hamming

from epigrid.lib import idcard
from epigrid.lib.names import NAME_SIMILAR, NameAgreement, clean_text, name_info, name_similarity
from epigrid.lib.phone import normalize_phone

MATCH = "match"
REVIEW = "review"
NON_MATCH = "non_match"

RULE_SCORE = "score"
RULE_ID_EQUAL = "id_equal"
RULE_ID_CONFLICT = "id_conflict"
RULE_NAME_CONFLICT = "name_conflict"
RULE_UNIQUE_NAME = "unique_name"

FIELDS = ("id_number", "name", "birth", "sex", "phone", "address")

# Thresholds on the summed log2(m/u) weights. A list row has one true partner among
# N ≈ 1,000,000 registry people, so the prior log2-odds of a random pair are about -20;
# a total of 23 leaves posterior odds of about 2**3 (≈ 90 %), a total of 14 about 1/64.
MATCH_THRESHOLD = 23.0
REVIEW_THRESHOLD = 14.0

# Lowest rapidfuzz token_set_ratio (0-100) at which two addresses count as similar: one
# building number or a one-character slip in a community name stays above it.
ADDRESS_SIMILAR_RATIO = 75.0
# Tokens an address needs to name one door: 小区 栋 单元 室, or 村 组 号.
EXACT_ADDRESS_TOKENS = 3
_DOOR_SUFFIXES = ("室", "号", "户")


class IdAgreement(StrEnum):
    """How two 18-character ID numbers agree."""

    EXACT = "exact"
    ONE_DIGIT = "one_digit"
    TRANSPOSED = "transposed"
    SAME_BIRTH_PART = "same_birth_part"
    DIFFERENT = "different"
    MISSING = "missing"


class BirthAgreement(StrEnum):
    """How two birth dates (or birth years) agree."""

    EXACT = "exact"
    MONTH_DAY_SWAPPED = "month_day_swapped"
    ONE_DIGIT = "one_digit"
    YEAR_ONLY = "year_only"
    YEAR_NEAR = "year_near"
    DIFFERENT = "different"
    MISSING = "missing"


class SexAgreement(StrEnum):
    """Whether two recorded sexes agree."""

    SAME = "same"
    DIFFERENT = "different"
    MISSING = "missing"


class PhoneAgreement(StrEnum):
    """How two normalised phone numbers agree."""

    EXACT = "exact"
    ONE_DIGIT = "one_digit"
    LAST8 = "last8"
    DIFFERENT = "different"
    MISSING = "missing"


class AddressAgreement(StrEnum):
    """How two normalised addresses agree: equal to the door, containment, then token_set_ratio bands."""

    EXACT = "exact"
    SAME = "same"
    SIMILAR = "similar"
    DIFFERENT = "different"
    MISSING = "missing"


# (m, u) per level: m = P(level | same person), u = P(level | two random people); the
# weight is log2(m/u). The u values are for random pairs in a county-sized registry,
# deliberately raised where fields are not independent (households share phones and
# addresses, birth dates are read out of the ID number) so the sum does not over-count.
# They are fixed rather than estimated: lists are small and biased, and an EM fit on one
# list would drift; the figures below only need the right order of magnitude.
ID_M_U = {
    IdAgreement.EXACT: (0.95, 1e-8),  # a shared number between two people is a registry error
    IdAgreement.ONE_DIGIT: (0.03, 5e-7),  # ~3 % of typed IDs carry one slip; few neighbours exist
    IdAgreement.TRANSPOSED: (0.01, 2e-7),  # 17 adjacent swaps against 153 substitutions
    IdAgreement.SAME_BIRTH_PART: (0.01, 1e-5),  # twins and same-day births share it; birth counts too
    IdAgreement.DIFFERENT: (0.01, 0.99),  # a household member's number written on the wrong row
    IdAgreement.MISSING: (1.0, 1.0),
}
NAME_M_U = {
    NameAgreement.EXACT: (0.90, 1e-3),  # u kept high: common names (张伟) recur hundreds of times
    NameAgreement.SAME_PINYIN: (0.05, 5e-4),  # IME homophone slips; a pinyin key covers many names
    NameAgreement.FOLDED_PINYIN: (0.01, 1e-3),  # southern-accent spellings
    NameAgreement.CLOSE: (0.02, 5e-3),  # one look-alike or changed character, swapped characters
    NameAgreement.DIFFERENT: (0.02, 0.99),  # nickname or former name on the list
    NameAgreement.UNKNOWN: (1.0, 1.0),
}
BIRTH_M_U = {
    BirthAgreement.EXACT: (0.93, 1 / (80 * 365)),
    BirthAgreement.MONTH_DAY_SWAPPED: (0.005, 1 / (80 * 365)),
    BirthAgreement.ONE_DIGIT: (0.02, 2e-3),  # ~60 one-digit neighbours of a date
    BirthAgreement.YEAR_ONLY: (0.90, 1 / 80),  # a list that gives the age only
    BirthAgreement.YEAR_NEAR: (0.08, 2 / 80),  # age counted on a different day
    BirthAgreement.DIFFERENT: (0.03, 0.97),
    BirthAgreement.MISSING: (1.0, 1.0),
}
SEX_M_U = {
    SexAgreement.SAME: (0.98, 0.5),
    SexAgreement.DIFFERENT: (0.02, 0.5),
    SexAgreement.MISSING: (1.0, 1.0),
}
PHONE_M_U = {
    PhoneAgreement.EXACT: (0.75, 5e-5),  # u raised: children and the elderly share a number
    PhoneAgreement.ONE_DIGIT: (0.05, 1e-4),  # family plans hand out consecutive numbers
    PhoneAgreement.LAST8: (0.01, 2e-5),  # a slip in the 13x/15x/18x prefix
    PhoneAgreement.DIFFERENT: (0.20, 0.99),  # new number, or a relative's number on the list
    PhoneAgreement.MISSING: (1.0, 1.0),
}
ADDRESS_M_U = {
    # Equal down to the door (小区 栋 单元 室, 村 组 号): one household of ~3 in a million people;
    # u raised for dormitories and rented rooms shared by several households.
    AddressAgreement.EXACT: (0.40, 1e-5),
    AddressAgreement.SAME: (0.20, 0.01),  # one stops at the building the other continues
    AddressAgreement.SIMILAR: (0.15, 0.10),
    AddressAgreement.DIFFERENT: (0.25, 0.88),
    AddressAgreement.MISSING: (1.0, 1.0),
}


def log2_weights[L: StrEnum](m_u: Mapping[L, tuple[float, float]]) -> Mapping[L, float]:
    """Turn an (m, u) table into read-only log2(m/u) weights."""
    return MappingProxyType({level: round(log2(m / u), 2) for level, (m, u) in m_u.items()})


@dataclass(frozen=True, slots=True)
class Weights:
    """Agreement weights per field and level, in bits."""

    id_number: Mapping[IdAgreement, float]
    name: Mapping[NameAgreement, float]
    birth: Mapping[BirthAgreement, float]
    sex: Mapping[SexAgreement, float]
    phone: Mapping[PhoneAgreement, float]
    address: Mapping[AddressAgreement, float]

    def __post_init__(self) -> None:
        """Refuse a table with a level left out, which would fail only mid-import."""
        enums = (IdAgreement, NameAgreement, BirthAgreement, SexAgreement, PhoneAgreement, AddressAgreement)
        for field, levels in zip(FIELDS, enums, strict=True):
            missing = set(levels) - set(getattr(self, field))
            if missing:
                raise ValueError(f"missing weights for {sorted(missing)}")


DEFAULT_WEIGHTS = Weights(
    id_number=log2_weights(ID_M_U),
    name=log2_weights(NAME_M_U),
    birth=log2_weights(BIRTH_M_U),
    sex=log2_weights(SEX_M_U),
    phone=log2_weights(PHONE_M_U),
    address=log2_weights(ADDRESS_M_U),
)


@dataclass(frozen=True, slots=True)
class Record:
    """One person as the linker sees them: every field already normalised."""

    id: int | str
    name: str = ""
    name_key: str = ""
    # 18 upper-case characters whenever the input has the shape of an ID, even with a
    # wrong check digit: a mistyped number is exactly what ONE_DIGIT has to catch.
    id_number: str = ""
    id_valid: bool = False
    id_damaged: bool = False
    birth_date: date | None = None
    birth_year: int | None = None
    sex: str = ""
    phone: str = ""
    # Tokens separated by single spaces, as made by normalize_address.
    address: str = ""


@dataclass(frozen=True, slots=True)
class Comparison:
    """The score of a record pair, the decision and the per-field evidence."""

    total: float
    decision: str
    rule: str
    id_number: IdAgreement
    name: NameAgreement
    birth: BirthAgreement
    sex: SexAgreement
    phone: PhoneAgreement
    address: AddressAgreement

    @property
    def levels(self) -> dict[str, str]:
        """Return the agreement level of every field, for review screens and the audit."""
        return {field: getattr(self, field) for field in FIELDS}


_SEX_INPUTS = {
    **dict.fromkeys(("M", "男", "男性", "MALE", "1"), "M"),
    **dict.fromkeys(("F", "女", "女性", "FEMALE", "2"), "F"),
}
# Year, then month and day (separated or as MMDD); a year alone or with a month gives a year.
_BIRTH_RE = re.compile(
    r"((?:19|20)\d\d)(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d\d)(\d\d)|年|[-/.年]\d{1,2}月?)?", re.ASCII
)
_CN_DIGITS = dict(zip("〇零一二三四五六七八九", "00123456789", strict=True))
# One pass for 三十二 and for single digits: a translate table would cost ~0.3 µs per CJK
# character, while most addresses hold no more than two Chinese numerals.
_CN_NUMBER_RE = re.compile("([一二三四五六七八九]?)十([一二三四五六七八九]?)|[〇零一二三四五六七八九]")
# Mobile numbers exactly as normalize_phone returns them, so stored values skip it.
_PLAIN_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
_ADDRESS_JUNK_RE = re.compile(r"[^0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff]+")
# Each token runs up to the first administrative or building suffix, longest suffixes
# listed first so that 社区 wins over 区; text after the last suffix is a token too.
_ADDRESS_TOKEN_RE = re.compile(
    r"\S+?(?:自治区|自治州|特别行政区|街道|社区|小区|胡同|大道|号院|号楼|单元"
    r"|省|市|区|县|旗|镇|乡|村|组|苑|路|街|巷|弄|号|栋|幢|座|楼|层|室)|\S+"
)
# Province, prefecture and county tokens: lists are local and usually leave them out, and
# a bare "武汉市" must not look like a subset of every address in Wuhan.
_COARSE_SUFFIXES = ("省", "自治区", "特别行政区", "市", "自治州", "县", "旗", "区")
_FINE_AREA_SUFFIXES = ("社区", "小区", "园区", "校区", "片区", "景区", "厂区", "矿区")


def _cn_number(match: re.Match[str]) -> str:
    """Write a Chinese numeral up to 99 in digits (三十二 → 32, 五 → 5)."""
    tens, ones = match.group(1), match.group(2)
    if tens is None:  # the lone-digit alternative
        return _CN_DIGITS[match.group(0)]
    return f"{_CN_DIGITS[tens] if tens else '1'}{_CN_DIGITS[ones] if ones else '0'}"


def normalize_address(raw: str) -> str:
    """Return the address as space-separated tokens below county level, numbers in digits."""
    text = _CN_NUMBER_RE.sub(_cn_number, clean_text(raw))
    tokens = _ADDRESS_TOKEN_RE.findall(_ADDRESS_JUNK_RE.sub(" ", text))
    return " ".join(
        [t for t in tokens if not t.endswith(_COARSE_SUFFIXES) or t.endswith(_FINE_AREA_SUFFIXES)]
    )


def normalize_sex(raw: str) -> str:
    """Return "M", "F" or "" for a sex as written on a form."""
    return _SEX_INPUTS.get(clean_text(raw).upper(), "")


def parse_birth(raw: str) -> tuple[date | None, int | None]:
    """Read a birth date such as 1985-3-12, 1985年3月12日 or 19850312 (or a bare year)."""
    match = _BIRTH_RE.fullmatch(clean_text(raw))
    if match is None:
        return None, None
    year = int(match.group(1))
    month, day = match.group(2) or match.group(4), match.group(3) or match.group(5)
    if month is None or day is None:
        return None, year
    try:
        return date(year, int(month), int(day)), year
    except ValueError:
        return None, year


def _id_fields(raw: str, today: date) -> tuple[str, bool, bool, date | None, str]:
    """Return (number, valid, damaged, birth date, sex) for an ID number as typed."""
    if not raw:
        return "", False, False, None, ""
    # Fast path for a clean number that passes every parse_id check (~2 µs instead of ~8):
    # stored registry values are always like this. Anything else goes through parse_id.
    if len(raw) == 18 and raw.isascii() and raw[:17].isdigit() and idcard.check_char(raw[:17]) == raw[17]:
        try:
            birth, sex = idcard.birth_date_and_sex(raw)
        except ValueError:
            pass
        else:
            if idcard.MIN_BIRTH_DATE <= birth <= today:
                return raw, True, False, birth, sex
    parsed = idcard.parse_id(raw, today=today)
    if parsed.valid and parsed.normalized is not None:
        return parsed.normalized, True, False, parsed.birth_date, parsed.sex or ""
    if parsed.excel_damaged:
        return "", False, True, None, ""
    text = idcard.clean_input(raw).upper()
    if len(text) == 15 and text.isascii() and text.isdigit():
        text = idcard.upgrade_15(text)
    shaped = len(text) == 18 and text[:17].isascii() and text[:17].isdigit() and text[17] in "0123456789X"
    return (text if shaped else ""), False, False, None, ""


def _normalized_phone(raw: str) -> str:
    """Return the normalised phone number, or "" when there is none or it is invalid."""
    if not raw or _PLAIN_MOBILE_RE.fullmatch(raw):
        return raw
    return normalize_phone(raw).normalized or ""


def make_record(
    *,
    id: int | str,
    name: str = "",
    id_number: str = "",
    birth_date: date | str | None = None,
    birth_year: int | None = None,
    age: int | None = None,
    as_of: date | None = None,
    sex: str = "",
    phone: str = "",
    address: str = "",
    today: date | None = None,
) -> Record:
    """Build a Record from raw cell values, deriving birth and sex from a valid ID."""
    info = name_info(name)
    # An import passes its own date once, which keeps its rows consistent and saves time.
    number, valid, damaged, id_birth, id_sex = _id_fields(id_number, today or idcard._today_in_china())
    if isinstance(birth_date, datetime):  # spreadsheet readers return datetimes for dates
        birth_date = birth_date.date()
    birth, year = parse_birth(birth_date) if isinstance(birth_date, str) else (birth_date, None)
    birth = birth or id_birth
    if birth is not None:
        year = birth.year
    elif year is None and birth_year is not None:
        year = birth_year
    elif year is None and age is not None:
        if as_of is None:
            raise ValueError("age needs as_of, the date the list was drawn up")
        year = as_of.year - age
    return Record(
        id=id,
        name=info.normalized,
        name_key=info.key,
        id_number=number,
        id_valid=valid,
        id_damaged=damaged,
        birth_date=birth,
        birth_year=year,
        sex=(normalize_sex(sex) or id_sex) if sex else id_sex,
        phone=_normalized_phone(phone),
        address=normalize_address(address) if address else "",
    )


def compare_id(a: Record, b: Record) -> IdAgreement:
    """Grade two records' ID numbers; a damaged or absent number is MISSING."""
    x, y = a.id_number, b.id_number
    # Excel damage is checked on both flags: a damaged number must never count as a match.
    if not x or not y or a.id_damaged or b.id_damaged:
        return IdAgreement.MISSING
    if x == y:
        return IdAgreement.EXACT
    distance = Hamming.distance(x, y)
    if distance == 1:
        return IdAgreement.ONE_DIGIT
    if distance == 2:
        i, j = [k for k in range(18) if x[k] != y[k]]
        if j == i + 1 and x[i] == y[j] and x[j] == y[i]:
            return IdAgreement.TRANSPOSED
    if x[:14] == y[:14]:
        return IdAgreement.SAME_BIRTH_PART
    return IdAgreement.DIFFERENT


def compare_birth(a: Record, b: Record) -> BirthAgreement:
    """Grade two records' birth dates, falling back to birth years."""
    x, y = a.birth_date, b.birth_date
    if x is not None and y is not None:
        if x == y:
            return BirthAgreement.EXACT
        if x.year == y.year and x.month == y.day and x.day == y.month:
            return BirthAgreement.MONTH_DAY_SWAPPED
        # Integer formatting: strftime would cost 2 µs per pair on the non-matching path.
        digits_x = f"{x.year * 10000 + x.month * 100 + x.day:08d}"
        if Hamming.distance(digits_x, f"{y.year * 10000 + y.month * 100 + y.day:08d}") == 1:
            return BirthAgreement.ONE_DIGIT
        return BirthAgreement.DIFFERENT
    if a.birth_year is None or b.birth_year is None:
        return BirthAgreement.MISSING
    gap = abs(a.birth_year - b.birth_year)
    if gap == 0:
        return BirthAgreement.YEAR_ONLY
    return BirthAgreement.YEAR_NEAR if gap == 1 else BirthAgreement.DIFFERENT


def compare_sex(a: str, b: str) -> SexAgreement:
    """Grade two sexes ("M"/"F"/"")."""
    if not a or not b:
        return SexAgreement.MISSING
    return SexAgreement.SAME if a == b else SexAgreement.DIFFERENT


def compare_phone(a: str, b: str) -> PhoneAgreement:
    """Grade two normalised phone numbers."""
    if not a or not b:
        return PhoneAgreement.MISSING
    if a == b:
        return PhoneAgreement.EXACT
    if len(a) == len(b) and Hamming.distance(a, b) == 1:
        return PhoneAgreement.ONE_DIGIT
    if a.replace("-", "")[-8:] == b.replace("-", "")[-8:]:
        return PhoneAgreement.LAST8
    return PhoneAgreement.DIFFERENT


def _names_a_door(address: str) -> bool:
    """Tell whether a normalised address goes down to one door (幸福社区 3栋 2单元 301室, 3组 5号)."""
    tokens = address.split()
    last = tokens[-1] if tokens else ""
    return len(tokens) >= EXACT_ADDRESS_TOKENS and (last.endswith(_DOOR_SUFFIXES) or last.isdigit())


def compare_address(a: str, b: str) -> AddressAgreement:
    """Grade two normalised addresses: token subset, then token-set similarity."""
    if not a or not b:
        return AddressAgreement.MISSING
    tokens_a, tokens_b = set(a.split()), set(b.split())
    if tokens_a == tokens_b and _names_a_door(a):
        return AddressAgreement.EXACT
    # A list often stops at the community or building that the registry continues
    # (幸福社区 3栋 vs 幸福社区 3栋 2单元 301室), so containment counts as the same address.
    if tokens_a <= tokens_b or tokens_b <= tokens_a:
        return AddressAgreement.SAME
    if fuzz.token_set_ratio(a, b) >= ADDRESS_SIMILAR_RATIO:
        return AddressAgreement.SIMILAR
    return AddressAgreement.DIFFERENT


def unique_name_weight(population: int) -> float:
    """Return the weight of an exact name that only one person of ``population`` carries.

    A term-frequency adjustment (Fellegi-Sunter with u = the name's frequency): a name held by one
    person in a million says far more than 张伟. Never below the fixed weight of an exact name.
    """
    m, _ = NAME_M_U[NameAgreement.EXACT]
    return (
        max(DEFAULT_WEIGHTS.name[NameAgreement.EXACT], round(log2(m * population), 2)) if population else 0.0
    )


def score(
    a: Record, b: Record, weights: Weights = DEFAULT_WEIGHTS, *, unique_name_among: int = 0
) -> Comparison:
    """Compare two records field by field and decide whether they are one person.

    ``unique_name_among``: the size of the population in which ``b`` is the only person of that
    exact name (and sex); the name then weighs by its rarity (``unique_name_weight``).
    """
    id_level = compare_id(a, b)
    name_level = name_similarity(a.name, b.name)
    birth_level = compare_birth(a, b)
    sex_level = compare_sex(a.sex, b.sex)
    phone_level = compare_phone(a.phone, b.phone)
    address_level = compare_address(a.address, b.address)
    name_weight = weights.name[name_level]
    rule = RULE_SCORE
    if unique_name_among and name_level is NameAgreement.EXACT and sex_level is not SexAgreement.DIFFERENT:
        unique = unique_name_weight(unique_name_among)
        if unique > name_weight:
            name_weight, rule = unique, RULE_UNIQUE_NAME
    total = (
        weights.id_number[id_level]
        + name_weight
        + weights.birth[birth_level]
        + weights.sex[sex_level]
        + weights.phone[phone_level]
        + weights.address[address_level]
    )
    decision = MATCH if total >= MATCH_THRESHOLD else REVIEW if total >= REVIEW_THRESHOLD else NON_MATCH
    if a.id_valid and b.id_valid:
        # Two checked numbers settle the question; the weights stay in the evidence so
        # that a DIFFERENT name on an equal number is still shown to the reviewer.
        if id_level is IdAgreement.EXACT:
            decision, rule = MATCH, RULE_ID_EQUAL
        else:
            rule = RULE_ID_CONFLICT
            # Only a slip in the sequence digits (or twins) leaves the birth part equal.
            if a.id_number[:14] == b.id_number[:14] and name_level in NAME_SIMILAR:
                decision = REVIEW if decision == MATCH else decision
            else:
                decision = NON_MATCH
    elif name_level is NameAgreement.DIFFERENT and decision == MATCH:
        # Households share phone, address and sometimes birthday (twins): without an
        # equal ID a different name is never settled automatically.
        decision, rule = REVIEW, RULE_NAME_CONFLICT
    return Comparison(
        total, decision, rule, id_level, name_level, birth_level, sex_level, phone_level, address_level
    )


def id_keys(id_number: str) -> tuple[str, ...]:
    """Return the blocking keys of a normalised 18-character ID number."""
    n = id_number
    if len(n) != 18:
        return ()
    # id: the exact number (first pass). The other four each drop one part of the number,
    # so a single wrong digit anywhere leaves one of them intact: idp drops sequence and
    # check, ida the address code, idy the year, idm the month and day.
    return (f"id:{n}", f"idp:{n[:14]}", f"ida:{n[6:]}", f"idy:{n[:6]}{n[10:]}", f"idm:{n[:10]}{n[14:]}")


def phone_keys(phone: str) -> tuple[str, ...]:
    """Return the blocking key of a normalised phone: its last 8 digits, prefix-proof."""
    return (f"ph:{phone.replace('-', '')[-8:]}",) if phone else ()


def name_keys(name: str, birth_year: int | None, *, for_index: bool = False) -> tuple[str, ...]:
    """Return the name blocking keys; the exact-name key only for an index or without a year."""
    info = name_info(name)
    if not info.normalized:
        return ()
    if birth_year is None:
        # nm: exact name, the only handle on a row without a birth year. Registry indexes
        # pass for_index=True so that such rows can find their candidates.
        return (f"nm:{info.normalized}",)
    # nk: folded pinyin + birth year, survives homophone and accent slips.
    keys = [f"nk:{info.folded}{birth_year}"]
    given = info.syllables[info.surname_syllables :]
    if len(given) >= 2:
        # nkf: folded surname + given-name initials + year, survives a slip that keeps the
        # initial (张晓明/张晓梅). Not for one-syllable given names: surname, one letter and
        # a year would gather hundreds of candidates in a district.
        keys.append(f"nkf:{info.surname_folded}{''.join([s[0] for s in given])}{birth_year}")
    if for_index:
        keys.append(f"nm:{info.normalized}")
    return tuple(keys)


def blocking_keys(record: Record, *, for_index: bool = False) -> tuple[str, ...]:
    """Return cheap keys such that one typo in the ID, name or phone still shares a key."""
    keys = (*id_keys("" if record.id_damaged else record.id_number), *phone_keys(record.phone))
    # A row with an ID or phone but no birth year is not compared with every namesake.
    if keys and record.birth_year is None and not for_index:
        return keys
    return (*keys, *name_keys(record.name, record.birth_year, for_index=for_index))
