"""The refusal of the triage service: nothing written, every wrong field named, candidates when asked."""

from __future__ import annotations

from dataclasses import dataclass

from epigrid.people.models import Person


@dataclass(frozen=True)
class FieldError:
    field: str  # "temperature", "disposition", "person" …; "" for the whole submission
    message: str


class TriageInvalid(Exception):
    """Nothing was written; ``errors`` name each field that is wrong (never its value).

    ``candidates`` holds the registry people the visit may be about when the person could not be told
    apart (several scored as possible matches): the page and the API show them, and the next submission
    names one (``person_id``) or says it is someone new.
    """

    def __init__(self, errors: list[FieldError], candidates: list[Person] | None = None) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors
        self.candidates = candidates or []

    @property
    def by_field(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for error in self.errors:
            out.setdefault(error.field, []).append(error.message)
        return out
