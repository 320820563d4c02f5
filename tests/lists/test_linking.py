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
