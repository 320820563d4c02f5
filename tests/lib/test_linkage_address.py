"""Linkage by a household address down to the door, and by a name's rarity in the registry."""

from dataclasses import replace
from datetime import date

import pytest

from epigrid.lib.linkage import (
    DEFAULT_WEIGHTS,
    MATCH,
    NON_MATCH,
    REVIEW,
    RULE_SCORE,
    RULE_UNIQUE_NAME,
    AddressAgreement,
    compare_address,
    make_record,
    normalize_address,
    score,
    unique_name_weight,
)
from epigrid.lib.names import NameAgreement


def person(**fields):
    return make_record(id=fields.pop("id", 1), **fields)


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("映月小区1栋1单元101室", "映月小区1栋1单元101室", AddressAgreement.EXACT),
        ("安和区映月小区一栋一单元101室", "映月小区1栋1单元101室", AddressAgreement.EXACT),
        ("陈家集村13组5号", "陈家集村十三组5号", AddressAgreement.EXACT),
        # Down to the unit or the building only: several households, containment at most.
        ("映月小区1栋1单元", "映月小区1栋1单元", AddressAgreement.SAME),
        ("映月小区1栋", "映月小区1栋1单元101室", AddressAgreement.SAME),
        ("映月小区1栋1单元102室", "映月小区1栋1单元101室", AddressAgreement.SIMILAR),
    ],
)
def test_an_address_equal_to_the_door_is_exact(a, b, level):
    assert compare_address(normalize_address(a), normalize_address(b)) is level


def test_an_exact_address_outweighs_a_shared_building():
    weights = DEFAULT_WEIGHTS.address
    assert weights[AddressAgreement.EXACT] > 14 > weights[AddressAgreement.SAME] > 0


def test_a_name_and_sex_with_the_same_door_match_without_id_or_phone():
    row = person(name="王梓涵", sex="女", address="映月小区1栋1单元101室")
    registry = person(
        id=2, name="王梓涵", sex="F", birth_date=date(2012, 5, 1), address="映月小区1栋1单元101室"
    )
    assert score(row, registry).decision == MATCH
    # A household member of another name at the same door is never linked automatically.
    sister = replace(registry, name="王梓萱", name_key="wangzixuan")
    assert score(row, sister).decision != MATCH


def test_a_name_unique_in_a_million_weighs_by_its_rarity():
    exact = DEFAULT_WEIGHTS.name[NameAgreement.EXACT]
    assert unique_name_weight(1_000_000) == pytest.approx(19.78, abs=0.01)
    # In a small registry one namesake says little: never less than the fixed weight.
    assert unique_name_weight(20) == exact
    row = person(name="王梓涵", sex="女")
    registry = person(id=2, name="王梓涵", sex="F", birth_date=date(2012, 5, 1))
    plain = score(row, registry)
    rare = score(row, registry, unique_name_among=1_000_000)
    assert plain.decision == NON_MATCH and plain.rule == RULE_SCORE
    # Name and sex alone stay below a match: a person looks at it.
    assert rare.decision == REVIEW and rare.rule == RULE_UNIQUE_NAME
    assert rare.total == pytest.approx(plain.total - exact + unique_name_weight(1_000_000))
    # The rarity counts for the exact name only, and not against a different sex.
    homophone = replace(row, name="王梓晗")
    assert score(homophone, registry, unique_name_among=1_000_000).rule == RULE_SCORE
    assert score(replace(row, sex="M"), registry, unique_name_among=1_000_000).rule == RULE_SCORE
