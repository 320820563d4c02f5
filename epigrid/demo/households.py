"""Who lives together in the demo district: household compositions, birthplaces and phones.

Pure functions of a ``random.Random``; ``generator.build_rows`` turns them into rows.
"""

from __future__ import annotations

import math
from random import Random

DISTRICT_CODE = "620188"
DISTRICT_NAME = "安和区"

HEAD = "户主"
LINE, OWN, SAME_AS_HEAD = 0, 1, 2  # where a member's surname comes from
Member = tuple[str, bool, int, int]  # relation, male, age in years, surname source

_RURAL_SIZES = ((1, 2, 3, 4, 5, 6, 7), (14, 38, 60, 80, 92, 98, 100))
_URBAN_SIZES = ((1, 2, 3, 4, 5, 6), (20, 50, 77, 91, 97, 100))
_FLOATING_SIZES = ((1, 2, 3, 4), (40, 70, 90, 100))
_FLOATING_SHARE = {False: 0.03, True: 0.12}

# Married-in spouses and parents are sometimes registered elsewhere in the province.
_NEARBY_CODES = ("620288", "620388", "620488", "620588", "620688")
# Where floating residents come from: provinces around Gansu, and Wuhan/Hubei.
_ORIGIN_CODES = (
    ("410188", 8), ("411388", 5), ("510188", 6), ("511388", 4), ("610188", 8), ("610488", 5),
    ("630188", 5), ("640188", 5), ("620588", 6), ("622988", 5), ("420188", 4), ("420988", 2),
    ("500188", 3), ("370188", 2), ("130688", 2), ("340188", 2), ("650188", 3),
)  # fmt: skip
_ORIGIN_VALUES = tuple(code for code, _ in _ORIGIN_CODES)
_ORIGIN_CUM = tuple(math.fsum(w for _, w in _ORIGIN_CODES[: i + 1]) for i in range(len(_ORIGIN_CODES)))
_ADDRESS_CODES = (DISTRICT_CODE, *_NEARBY_CODES, *_ORIGIN_VALUES)
_CODE_INDEX = {code: i for i, code in enumerate(_ADDRESS_CODES)}

_PHONE_PREFIXES = tuple(
    f"1{n}" for n in (*range(30, 40), 45, 47, *range(50, 54), *range(55, 60), 66, 73, 75, 76, 77, 78,
                      *range(80, 90), 91, 98, 99)
)  # fmt: skip
# Phone suffixes walk 0..10^8-1 in a fixed scrambled order per prefix: unique, yet not consecutive.
_PHONE_STRIDE = 7_654_321
_PHONE_OFFSET = {
    prefix: Random(f"epigrid-demo/phone/{prefix}").randrange(100_000_000) for prefix in _PHONE_PREFIXES
}


def _couple(rng: Random, age: int) -> list[Member]:
    male = rng.random() < 0.85
    gap = rng.randint(-2, 5)
    spouse_age = max(18, age - gap if male else age + gap)
    return [(HEAD, male, age, LINE if male else OWN), ("配偶", not male, spouse_age, OWN if male else LINE)]


def _children(
    rng: Random, mother_age: int, count: int, words: tuple[str, str] = ("子", "女")
) -> list[Member]:
    out: list[Member] = []
    age = mother_age - rng.randint(21, 32)
    for _ in range(count):
        male = rng.random() < 0.515
        out.append((words[0] if male else words[1], male, max(age, 0), LINE))
        age -= rng.randint(1, 6)
    return out


def _parents(rng: Random, age: int, count: int) -> list[Member]:
    if count == 0:
        return []
    father = min(age + rng.randint(23, 34), 98)
    mother = min(father - rng.randint(-1, 4), 98)
    if count == 2:
        return [("父亲", True, father, SAME_AS_HEAD), ("母亲", False, mother, OWN)]
    return [("母亲", False, mother, OWN)] if rng.random() < 0.65 else [("父亲", True, father, SAME_AS_HEAD)]


def _mother_age(members: list[Member]) -> int:
    return next(age for _, male, age, _ in members if not male)


def _nuclear(rng: Random, lo: int, hi: int, children: int, parents: int = 0) -> list[Member]:
    couple = _couple(rng, rng.randint(lo, hi))
    return [*couple, *_children(rng, _mother_age(couple), children), *_parents(rng, couple[0][2], parents)]


def _stem(rng: Random, n: int, *, widowed: bool) -> list[Member]:
    """An older head (and spouse) with a married son, his wife and their children."""
    age = rng.randint(52, 75)
    if widowed:
        male = rng.random() < 0.35
        members: list[Member] = [(HEAD, male, age, LINE if male else OWN)]
    else:
        members = _couple(rng, age)
    son = max(20, age - rng.randint(23, 32))
    wife = max(20, son - rng.randint(-2, 4))
    members += [("子", True, son, LINE), ("儿媳", False, wife, OWN)]
    return members + _children(rng, wife, n - len(members), ("孙子", "孙女"))


def _left_behind(rng: Random, n: int) -> list[Member]:
    """Grandparents raising grandchildren whose parents work elsewhere (留守儿童)."""
    members = (
        _couple(rng, rng.randint(55, 75))
        if n >= 3
        else [(HEAD, rng.random() < 0.4, rng.randint(55, 78), OWN)]
    )
    for _ in range(n - len(members)):
        male = rng.random() < 0.515
        members.append(("孙子" if male else "孙女", male, rng.randint(1, 16), LINE))
    return members


def _members(rng: Random, n: int, floating: bool) -> list[Member]:
    """Compose a household of ``n`` people with relations and ages that fit together."""
    r = rng.random()
    if n == 1:
        age = (
            rng.randint(18, 40)
            if floating or r < 0.35
            else rng.randint(41, 75)
            if r < 0.8
            else rng.randint(76, 95)
        )
        male = rng.random() < (0.6 if age < 60 else 0.42)
        return [(HEAD, male, age, LINE if male else OWN)]
    if floating:
        return _nuclear(rng, 22, 45, n - 2)
    if n == 2:
        if r < 0.45:
            return _couple(rng, rng.randint(45, 72))
        if r < 0.6:
            return _couple(rng, rng.randint(22, 35) if r < 0.52 else rng.randint(79, 90))
        if r < 0.85:
            male = rng.random() < 0.35
            age = rng.randint(45, 85)
            return [(HEAD, male, age, LINE if male else OWN), *_children(rng, age - (2 if male else 0), 1)]
        return _left_behind(rng, 2)
    if n == 3:
        if r < 0.72:
            return _nuclear(rng, 26, 60, 1)
        if r < 0.84:
            return _nuclear(rng, 28, 55, 0, 1)
        if r < 0.90:
            age = rng.randint(32, 50)
            return [(HEAD, False, age, OWN), *_children(rng, age, 2)]
        return _left_behind(rng, 3)
    if n == 4:
        if r < 0.42:
            return _nuclear(rng, 30, 52, 2)
        if r < 0.62:
            return _nuclear(rng, 28, 50, 1, 1)
        if r < 0.74:
            return _nuclear(rng, 28, 50, 0, 2)
        return _stem(rng, 4, widowed=r >= 0.86)
    if n == 5:
        if r < 0.35:
            return _stem(rng, 5, widowed=False)
        if r < 0.60:
            return _nuclear(rng, 30, 50, 2, 1)
        if r < 0.80:
            return _nuclear(rng, 28, 48, 1, 2)
        return _nuclear(rng, 32, 50, 3)
    if r < 0.7:
        return _stem(rng, n, widowed=False)
    return _nuclear(rng, 32, 50, n - 4, 2)


def _has_phone(rng: Random, age: int) -> bool:
    if age < 12:
        return False
    share = 0.3 if age < 16 else 0.95 if age < 70 else 0.7 if age < 80 else 0.4
    return rng.random() < share
