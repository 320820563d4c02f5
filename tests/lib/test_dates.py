from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from epigrid.lib.dates import parse_day


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2020-01-20", date(2020, 1, 20)),
        ("2020/1/20", date(2020, 1, 20)),
        ("2020.1.20", date(2020, 1, 20)),
        ("2020年1月20日", date(2020, 1, 20)),
        ("２０２０－０１－２０", date(2020, 1, 20)),
        ("20200120", date(2020, 1, 20)),
        ("1月20日", date(2020, 1, 20)),
        ("1.20", date(2020, 1, 20)),
        ("2020-01-20 14:30:00", date(2020, 1, 20)),
        (datetime(2020, 1, 20, 8, tzinfo=UTC), date(2020, 1, 20)),
        (date(2020, 1, 21), date(2020, 1, 21)),
        ("2月30日", None),
        ("不详", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_day(raw, expected):
    assert parse_day(raw, year=2020) == expected
