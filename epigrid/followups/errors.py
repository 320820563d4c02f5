"""The refusals of the follow-up services: nothing saved, every wrong field named."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str  # "region", "assignee", "due_at", "outcome" …; "task" for the task as a whole
    message: str


class TaskInvalid(Exception):
    """Nothing was saved; ``errors`` name each field that is wrong."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors

    @property
    def by_field(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for error in self.errors:
            out.setdefault(error.field, []).append(error.message)
        return out


class TaskRefused(TaskInvalid):
    """The actor may not do this (outside their scope, not the assignee or a superior): the API answers
    403 with the message, the pages show it."""
