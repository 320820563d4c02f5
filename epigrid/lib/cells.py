"""Text that goes into a spreadsheet or CSV cell is text: never a formula (CSV injection)."""

from __future__ import annotations

# Spreadsheet programs evaluate a cell starting with any of these (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: object) -> str:
    """Return ``value`` as cell text, with a leading apostrophe when it would start a formula.

    Numbers stay as they are: a negative number is data, not a formula, and the apostrophe would
    turn it into text.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
