"""Numbers as Chinese official documents write them: Arabic digits, thousands grouped with commas."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def cn_int(value: object) -> str:
    """Format an integer with thousands separators (35,360); anything else unchanged."""
    if isinstance(value, bool) or not isinstance(value, int):
        return str(value)
    return f"{value:,}"
