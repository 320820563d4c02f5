"""Department forms: the forms a caller may export, one form's definition, its xlsx export, a new form.

The export is the page's export (``deptforms.services.form_export``): scoped to the caller's subtree
(404 outside), a day in the future refused (400), a purpose (``?purpose=``, 导出用途) required (422
without it), identifiers masked unless both the form and the role need them, stamped with the caller's
name and audited with the purpose. Defining a form needs ``define_forms`` (HQ, departments); every
problem of a definition comes back at once in ``detail`` keyed by field (400). The same
``idempotency_key`` twice from one account defines the form once (201, then 200 with it).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status
from ninja.errors import HttpError, ValidationError

from epigrid.api.common import ApiRouter, PathId, actor, require
from epigrid.core.clock import local_today
from epigrid.deptforms.models import FormTemplate
from epigrid.deptforms.selectors import form_get_for_user, form_revisions, forms_for_user
from epigrid.deptforms.services import FormError, FormInput, form_define, form_export
from epigrid.regions.selectors import region_get_for_user, region_roots_for_user

router = ApiRouter(tags=["forms"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ColumnOut(Schema):
    key: str
    label: str


class FormOut(Schema):
    name: str
    title: str
    department: str
    kind: str
    row_source: str
    grouping: str
    requires_identifiers: bool
    builtin: bool
    version: int
    region_id: int | None
    columns: list[ColumnOut]
    filters: dict[str, Any]
    note: str


class FormDetailOut(FormOut):
    versions: list[int]


class ExportParams(Schema):
    region_id: int | None = Field(None, description="a region in the caller's scope (default: the top one)")
    date: dt.date | None = Field(None, description="the report day (default: today); not in the future")
    purpose: str = Field(
        "", description="导出用途, required: why the data is exported (2-200 characters; 422 without it)"
    )


class FormIn(Schema):
    # Defaults everywhere: the service names every missing or wrong field at once, in Chinese.
    name: str = Field("", description="code: lower-case letters, digits, - and _")
    title: str = ""
    kind: str = Field("", description="people or figures")
    row_source: str = Field("", description="people forms: person, journey, episode, contact, case")
    columns: list[str] = Field(default_factory=list, description="field or indicator keys, in order")
    labels: dict[str, str] = Field(default_factory=dict, description="header text per key (optional)")
    department: str = ""
    filters: dict[str, Any] = Field(default_factory=dict)
    grouping: str = "none"
    requires_identifiers: bool = False
    note: str = ""
    idempotency_key: str = Field("", max_length=64, description="the same key twice defines one form")


def _out(form: FormTemplate) -> dict[str, Any]:
    return {
        "name": form.name,
        "title": form.title,
        "department": form.department,
        "kind": form.kind,
        "row_source": form.row_source,
        "grouping": form.grouping,
        "requires_identifiers": form.requires_identifiers,
        "builtin": form.builtin,
        "version": form.version,
        "region_id": form.region_id,
        "columns": form.columns,
        "filters": form.filters,
        "note": form.note,
    }


@router.get("/forms", response=list[FormOut], summary="The department forms the caller may export")
def form_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_out(form) for form in forms_for_user(user=actor(request))]


@router.get("/forms/{slug:name}", response=FormDetailOut, summary="One form's definition and versions")
def form_detail(request: HttpRequest, name: str) -> dict[str, Any]:
    form = form_get_for_user(user=actor(request), name=name)
    return {**_out(form), "versions": [r.version for r in form_revisions(form=form)]}


@router.get(
    "/forms/{slug:name}/export",
    response={200: None},
    summary="The form as xlsx for a region subtree and day (purpose required; masked by role; audited)",
    openapi_extra={"responses": {200: {"content": {XLSX: {}}, "description": "the workbook"}}},
)
def form_export_xlsx(request: HttpRequest, name: str, params: Query[ExportParams]) -> HttpResponse:
    user = actor(request)
    form = form_get_for_user(user=user, name=name)
    if params.region_id is not None:
        region = region_get_for_user(user=user, region_id=params.region_id)
    else:
        roots = region_roots_for_user(user=user)
        if not roots:
            raise HttpError(404, _("未找到"))
        region = roots[0]
    out = io.BytesIO()
    try:
        result = form_export(
            actor=user, form=form, region=region, day=params.date or local_today(), out=out, request=request,
            purpose=params.purpose,
        )  # fmt: skip
    except FormError as exc:
        if "purpose" in exc.errors:  # no usable purpose, nothing exported: a 422 shaped like ninja's own
            errors = [
                {"loc": ("query", "purpose"), "msg": m, "type": "value_error"} for m in exc.errors["purpose"]
            ]
            raise ValidationError(errors) from None
        raise HttpError(400, str(exc)) from None
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{form.name}.xlsx\"; filename*=UTF-8''{_quote(result.file_name)}"
    )
    response["X-Form-Version"] = str(result.version)
    response["X-Row-Count"] = str(result.rows)
    return response


def _quote(file_name: str) -> str:
    from urllib.parse import quote

    return quote(file_name)


@router.post(
    "/regions/{int:region_id}/forms",
    response={200: FormDetailOut, 201: FormDetailOut, 400: dict[str, Any]},
    summary="Define a form for a region's tree (define_forms); 201 defined, 200 the same key again",
)
def form_create(request: HttpRequest, region_id: PathId, payload: FormIn) -> Status[dict[str, Any]]:
    user = actor(request)
    require(user, "define_forms")
    region = region_get_for_user(user=user, region_id=region_id)
    data = FormInput(**payload.dict())
    try:
        form = form_define(actor=user, region=region, data=data, request=request)
    except FormError as exc:
        return Status(400, {"detail": exc.errors})
    return Status(201 if form.created else 200, {**_out(form), "versions": [form.version]})
