"""The refusal of the volunteer and duty services: nothing saved, every wrong field named."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str  # "phone", "grids", "ends_at" …
    message: str


class VolunteerInvalid(Exception):
    """Nothing was saved; ``errors`` name each field that is wrong (messages carry no personal data)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors

    @property
    def by_field(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for error in self.errors:
            out.setdefault(error.field, []).append(error.message)
        return out
