"""API of epigrid.volunteers (issue 10)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["volunteers"])
