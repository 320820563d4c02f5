"""The dashboard tests make confirmed people with the risk tests' fixture (the risk panel and map)."""

from __future__ import annotations

from tests.risk.conftest import confirm  # noqa: F401 - fixture: confirmed people in a grid on a day
