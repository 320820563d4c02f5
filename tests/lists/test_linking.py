"""The registry-side key slicing must equal the library's blocking keys."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from epigrid.lib.idcard import make_id
from epigrid.lib.linkage import id_keys, phone_keys
from epigrid.lists.linking import registry_key_parts


@given(
    birth=st.dates(min_value=date(1920, 1, 1), max_value=date(2019, 12, 31)),
    sequence=st.integers(min_value=0, max_value=999),
    phone=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True) | st.just(""),
)
def test_registry_key_parts_equal_library_keys(birth, sequence, phone):
    id_number = make_id(address_code="620188", birth=birth, sequence=sequence)
    parts = [f"{kind}:{value}" for kind, value in registry_key_parts(id_number, phone)]
    assert parts == [*id_keys(id_number), *phone_keys(phone)]


def _name_only_index(**row):
    from epigrid.lib.linkage import make_record
    from epigrid.lists.linking import ListIndex

    return ListIndex([(5, make_record(id=5, name="王梓涵", sex="女", **row))])


def _namesake(pk, name="王梓涵", sex="F", address=""):
    from epigrid.lists.linking import RegistryPerson

    return RegistryPerson(pk, name, "", date(2012, 5, 1), sex, "", address)


def test_a_name_only_row_with_one_namesake_in_a_million_goes_to_review():
    index = _name_only_index()
    index.probe_namesakes([_namesake(1), _namesake(2, sex="M")], population=1_000_000)
    link = index.decide(5)
    assert link.decision == "review"
    assert link.evidence["candidates"][0]["person"] == 1
    assert link.evidence["candidates"][0]["rule"] == "unique_name"


def test_a_name_only_row_among_several_namesakes_is_not_linked_by_the_name():
    index = _name_only_index()
    index.probe_namesakes([_namesake(1), _namesake(2)], population=1_000_000)
    assert index.decide(5).decision == "new"


def test_a_name_only_row_at_its_namesakes_door_is_matched():
    index = _name_only_index(address="映月小区1栋1单元101室")
    door = "映月小区1栋1单元101室"
    index.probe_namesakes([_namesake(1), _namesake(2, address=door)], population=1_000_000)
    link = index.decide(5)
    assert (link.decision, link.person_id) == ("matched", 2)
