"""Parse the form builder's POST into a ``FormInput`` (the services validate it)."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from epigrid.deptforms.models import FormTemplate, Kind
from epigrid.deptforms.services import FormInput

ORDER_LAST = 10_000


def _order(raw: str, fallback: int) -> int:
    try:
        return int(raw)
    except ValueError:
        return ORDER_LAST + fallback


def builder_input(post: QueryDict, *, name: str = "") -> FormInput:
    """Read the builder: ticked columns in the order typed beside them (ties keep catalogue order)."""
    kind = post.get("kind", "")
    prefix = "col" if kind == Kind.PEOPLE else "fig"
    candidates = post.getlist(f"{prefix}_key")
    ticked = set(post.getlist(f"{prefix}_on"))
    chosen = [
        (_order(post.get(f"{prefix}_order_{key}", ""), index), index, key)
        for index, key in enumerate(candidates)
        if key in ticked
    ]
    # A key typed into a tampered form that is not among the candidates still reaches validation.
    chosen += [(ORDER_LAST * 2, 0, key) for key in post.getlist(f"{prefix}_on") if key not in candidates]
    columns = [key for _, _, key in sorted(chosen)]
    labels = {key: post.get(f"{prefix}_label_{key}", "") for key in columns}
    filters: dict[str, Any] = {}
    if post.get("f_outbreak"):
        filters["outbreak"] = True
    if post.getlist("f_classification"):
        filters["classification"] = post.getlist("f_classification")
    if post.getlist("f_episode_kind"):
        filters["episode_kind"] = post.getlist("f_episode_kind")
    if kind == Kind.PEOPLE and post.get("row_source") == "episode":
        filters["open"] = bool(post.get("f_open"))
    if post.get("f_date_field"):
        filters["date_field"] = post["f_date_field"]
        raw_days = post.get("f_days", "").strip() or "0"
        filters["days"] = int(raw_days) if raw_days.isdigit() else -1
    if kind == Kind.FIGURES and post.getlist("f_header"):
        filters["header"] = post.getlist("f_header")
    return FormInput(
        name=name or post.get("name", "").strip(),
        title=post.get("title", ""),
        kind=kind,
        row_source=post.get("row_source", ""),
        columns=columns,
        labels=labels,
        department=post.get("department", ""),
        filters=filters,
        grouping=post.get("grouping", "none"),
        requires_identifiers=bool(post.get("requires_identifiers")),
        note=post.get("note", ""),
    )


def input_from(form: FormTemplate, *, name: str = "") -> FormInput:
    """Return a form's definition as builder input (to copy or revise it)."""
    return FormInput(
        name=name,
        title=form.title,
        kind=form.kind,
        row_source=form.row_source,
        columns=[c["key"] for c in form.columns],
        labels={c["key"]: c["label"] for c in form.columns},
        department=form.department,
        filters=dict(form.filters),
        grouping=form.grouping,
        requires_identifiers=form.requires_identifiers,
        note=form.note,
    )
