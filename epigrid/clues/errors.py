"""The refusal of the clue and resident-report services: nothing saved, every wrong field named."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str  # "description", "person" …; "" for the whole submission
    message: str


class ClueInvalid(Exception):
    """Nothing was saved; ``errors`` name each field that is wrong (never its value)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors

    @property
    def by_field(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for error in self.errors:
            out.setdefault(error.field, []).append(error.message)
        return out
