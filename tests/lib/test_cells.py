from __future__ import annotations

import pytest

from epigrid.lib.cells import cell_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+86 139", "'+86 139"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("区教育局", "区教育局"),
        (-3, "-3"),
        (2.5, "2.5"),
        (None, ""),
        ("", ""),
    ],
)
def test_cell_text(value, expected):
    assert cell_text(value) == expected
