"""Template filters of the checkpoint pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def figure(values: dict[str, int] | None, key: str) -> int:
    """One figure of a day's counts (``{{ row.figures|figure:"people" }}``); 0 when absent."""
    return int((values or {}).get(key, 0))
