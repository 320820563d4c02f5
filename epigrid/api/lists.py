"""Department lists: sources, batches (upload, confirm, progress), rows by decision, review decisions.

Uploads and decisions go through ``epigrid.lists.services``, so the API and the pages write alike:
confirming a batch queues the same background linking task the page queues.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Schema, Status, UploadedFile
from ninja.errors import HttpError, ValidationError

from epigrid.api.common import (
    ApiRouter,
    ErrorOut,
    Page,
    PageParams,
    PathId,
    actor,
    audit_listing,
    page_out,
    paginate,
    require,
)
from epigrid.core.audit import audit_log
from epigrid.core.models import AuditEvent, User
from epigrid.lists import selectors
from epigrid.lists.columns import FIELDS
from epigrid.lists.files import ListFileError
from epigrid.lists.models import ListBatch, ListRow, ListSource
from epigrid.lists.review import list_row_link, list_row_new_person
from epigrid.lists.services import MAX_LIST_BYTES, list_batch_confirm, list_batch_upload
from epigrid.regions.scope import scope_for
from epigrid.regions.selectors import region_get_for_user

router = ApiRouter(tags=["lists"])

LIST_EXTENSIONS = (".xlsx", ".xls", ".csv")
# The counts a batch's summary holds once linked; before that it holds headers and sample rows,
# which are personal data and are not handed out by the API.
SUMMARY_COUNTS = ("rows", "skipped", "new_people", "matched", "new", "review", "rejected")

StatusName = Literal["uploaded", "queued", "running", "done", "failed"]
DecisionName = Literal["matched", "new", "review", "rejected"]


def _invalid(location: tuple[str, ...], message: str) -> ValidationError:
    """Build a 422 shaped like ninja's own: ``loc`` is (source, parameter, field …)."""
    return ValidationError([{"loc": location, "msg": message, "type": "value_error"}])


# --- sources and batches ---------------------------------------------------------------------------


class SourceOut(Schema):
    id: int
    name: str
    district_id: int


class BatchOut(Schema):
    id: int
    source_id: int
    source_name: str
    number: int
    region_id: int
    region_name: str
    file_name: str
    status: str
    rows_total: int
    rows_done: int
    counts: dict[str, int]
    created_at: dt.datetime
    finished_at: dt.datetime | None


class BatchDetailOut(BatchOut):
    headers: list[str] = Field(description="column headers, while the mapping waits for confirmation")
    mapping: dict[str, int] = Field(description="field -> 0-based column")
    warnings: list[str]
    errors: list[str]


class UploadOut(BatchDetailOut):
    created: bool = Field(description="false when the same file from the same source was sent before")


class ProgressOut(Schema):
    status: str
    rows_total: int
    rows_done: int
    percent: int
    finished: bool


class BatchFilter(Schema):
    source_id: int | None = None
    status: StatusName | None = None


class UploadIn(Schema):
    source: str = Field(..., min_length=1, max_length=60, description="sending department, e.g. 区教育局")
    number: int | None = Field(None, ge=1, le=100_000, description="batch number (default: from the title)")
    region_id: int | None = Field(None, description="region the list is sent to (default: your top region)")


class ConfirmIn(Schema):
    mapping: dict[str, int] | None = Field(
        None, description="field -> 0-based column; leave out to accept the proposed mapping"
    )


def _batch(batch: ListBatch) -> dict[str, object]:
    summary = batch.summary if isinstance(batch.summary, dict) else {}
    return {
        "id": batch.pk,
        "source_id": batch.source_id,
        "source_name": batch.source.name,
        "number": batch.number,
        "region_id": batch.region_id,
        "region_name": batch.region.name,
        "file_name": batch.file_name,
        "status": batch.status,
        "rows_total": batch.rows_total,
        "rows_done": batch.rows_done,
        "counts": {k: int(summary[k]) for k in SUMMARY_COUNTS if isinstance(summary.get(k), int)},
        "created_at": batch.created_at,
        "finished_at": batch.finished_at,
    }


def _batch_detail(batch: ListBatch) -> dict[str, object]:
    summary = batch.summary if isinstance(batch.summary, dict) else {}
    uploaded = batch.status == ListBatch.Status.UPLOADED
    return {
        **_batch(batch),
        "headers": [str(h) for h in summary.get("headers", [])] if uploaded else [],
        "mapping": {str(k): int(v) for k, v in batch.mapping.items()},
        "warnings": [str(w) for w in summary.get("warnings", [])] if uploaded else [],
        "errors": [str(e) for e in batch.errors],
    }


@router.get("/lists/sources", response=list[SourceOut], summary="Departments that send lists")
def source_list(request: HttpRequest) -> list[ListSource]:
    districts = {root.depth_ids[0] for root in scope_for(actor(request)).roots}
    return list(ListSource.objects.filter(district_id__in=districts).order_by("name"))


@router.get("/lists/batches", response=Page[BatchOut], summary="Batches sent into the caller's scope")
def batch_list(
    request: HttpRequest, filters: Query[BatchFilter], page: Query[PageParams]
) -> dict[str, object]:
    batches = selectors.batches_for_user(user=actor(request))
    if filters.source_id is not None:
        batches = batches.filter(source_id=filters.source_id)
    if filters.status is not None:
        batches = batches.filter(status=filters.status)
    count, rows = paginate(batches, page)
    return page_out(count, page, [_batch(b) for b in rows])


@router.get("/lists/batches/{int:batch_id}", response=BatchDetailOut, summary="One batch")
def batch_detail(request: HttpRequest, batch_id: PathId) -> dict[str, object]:
    return _batch_detail(selectors.batch_get_for_user(user=actor(request), batch_id=batch_id))


@router.get("/lists/batches/{int:batch_id}/progress", response=ProgressOut, summary="Linking progress")
def batch_progress(request: HttpRequest, batch_id: PathId) -> dict[str, object]:
    batch = selectors.batch_get_for_user(user=actor(request), batch_id=batch_id)
    finished = batch.status in (ListBatch.Status.DONE, ListBatch.Status.FAILED)
    percent = 100 if finished else (100 * batch.rows_done // batch.rows_total if batch.rows_total else 0)
    return {
        "status": batch.status,
        "rows_total": batch.rows_total,
        "rows_done": batch.rows_done,
        "percent": percent,
        "finished": finished,
    }


@router.post(
    "/lists/batches",
    response={200: UploadOut, 201: UploadOut},
    summary="Upload a list file (multipart); 201 new batch, 200 the same file again",
)
def batch_upload(
    request: HttpRequest, data: Form[UploadIn], file: File[UploadedFile]
) -> Status[dict[str, object]]:
    user = actor(request)
    source, number, region_id = data.source, data.number, data.region_id
    require(user, "upload_lists")
    roots = scope_for(user).roots
    if not roots:
        raise HttpError(403, _("您的账号未分配辖区"))
    region = roots[0] if region_id is None else region_get_for_user(user=user, region_id=region_id)
    name = file.name or ""
    if not name.lower().endswith(LIST_EXTENSIONS):
        raise _invalid(("form", "file"), _("只支持 xlsx、xls 或 csv 文件"))
    if file.size is not None and file.size > MAX_LIST_BYTES:
        raise _invalid(("form", "file"), _("文件太大，请拆分后再上传"))
    if not source.strip():
        raise _invalid(("form", "source"), _("请填写来源部门"))
    try:
        upload = list_batch_upload(
            actor=user, region=region, source_name=source, file_name=name, content=file.read(), number=number
        )
    except ListFileError as exc:
        raise _invalid(("form", "file"), exc.message) from None
    batch = selectors.batch_get_for_user(user=user, batch_id=upload.batch.pk)
    return Status(201 if upload.created else 200, {**_batch_detail(batch), "created": upload.created})


def _checked_mapping(mapping: dict[str, int], headers: list[str]) -> dict[str, int]:
    for field, column in mapping.items():
        if field not in FIELDS:
            raise _invalid(("body", "payload", "mapping", field), _("未知字段"))
        if not 0 <= column < len(headers):
            raise _invalid(("body", "payload", "mapping", field), _("列号超出范围"))
    if "name" not in mapping:
        raise _invalid(("body", "payload", "mapping"), _("请指定“姓名”所在的列"))
    if len(set(mapping.values())) != len(mapping):
        raise _invalid(("body", "payload", "mapping"), _("同一列只能对应一个字段"))
    return mapping


@router.post(
    "/lists/batches/{int:batch_id}/confirm",
    response={200: BatchDetailOut, 409: ErrorOut},
    summary="Accept or correct the column mapping; queues the linking",
)
def batch_confirm(request: HttpRequest, batch_id: PathId, payload: ConfirmIn) -> dict[str, object]:
    user = actor(request)
    require(user, "upload_lists")
    batch = selectors.batch_get_for_user(user=user, batch_id=batch_id)
    if batch.status != ListBatch.Status.UPLOADED:
        raise HttpError(409, _("该批次的列对应已确认，不能再修改"))
    mapping = None
    if payload.mapping is not None:
        headers = [str(h) for h in batch.summary.get("headers", [])]
        mapping = _checked_mapping(payload.mapping, headers)
    list_batch_confirm(actor=user, batch=batch, mapping=mapping)
    return _batch_detail(selectors.batch_get_for_user(user=user, batch_id=batch_id))


# --- rows and review -------------------------------------------------------------------------------


class RowOut(Schema):
    id: int
    batch_id: int
    row_number: int
    name: str
    id_number: str = Field(description="masked unless the caller's role sees ID numbers in full")
    phone: str = Field(description="masked unless the caller's role sees phones in full")
    decision: str
    person_id: int | None
    score: float | None
    reason: str


class CandidateOut(Schema):
    person_id: int
    name: str
    sex: str
    birth_date: dt.date | None
    id_number: str
    phone: str
    score: float | None
    rule: str
    fields: dict[str, str] = Field(description="per field, how it compared (exact, same_pinyin …)")


class RowDetailOut(RowOut):
    candidates: list[CandidateOut]


class RowFilter(Schema):
    decision: DecisionName | None = None


class LinkIn(Schema):
    person_id: int = Field(description="one of the row's candidates")


def _row(row: ListRow, user: User) -> dict[str, object]:
    id_number, phone = user.caps.identifiers(row.id_number, row.phone)
    return {
        "id": row.pk,
        "batch_id": row.batch_id,
        "row_number": row.row_number,
        "name": row.name,
        "id_number": id_number,
        "phone": phone,
        "decision": row.decision,
        "person_id": row.person_id,
        "score": row.score,
        "reason": row.reason,
    }


def _candidates(row: ListRow, user: User) -> list[dict[str, object]]:
    shown: list[dict[str, object]] = []
    for evidence, person in selectors.row_candidates(row=row, user=user):
        if person.merged_into_id is not None:
            continue  # a merged duplicate: its surviving record is the one to link
        id_number, phone = user.caps.identifiers(person.id_number, person.phone)
        raw_fields = evidence.get("fields")
        score = evidence.get("score")
        shown.append(
            {
                "person_id": person.pk,
                "name": person.name,
                "sex": person.sex,
                "birth_date": person.birth_date,
                "id_number": id_number,
                "phone": phone,
                "score": float(score) if isinstance(score, int | float) else None,
                "rule": str(evidence.get("rule", "")),
                "fields": {str(k): str(v) for k, v in raw_fields.items()}
                if isinstance(raw_fields, dict)
                else {},
            }
        )
    return shown


@router.get(
    "/lists/batches/{int:batch_id}/rows",
    response=Page[RowOut],
    summary="A batch's rows in spreadsheet order, optionally of one decision (audited)",
)
def batch_rows(
    request: HttpRequest, batch_id: PathId, filters: Query[RowFilter], page: Query[PageParams]
) -> dict[str, object]:
    user = actor(request)
    batch = selectors.batch_get_for_user(user=user, batch_id=batch_id)
    rows_qs = batch.rows.order_by("row_number")
    if filters.decision is not None:
        rows_qs = rows_qs.filter(decision=filters.decision)
    count, rows = paginate(rows_qs, page)
    audit_listing(
        user=user,
        request=request,
        object_type="list_row",
        object_id=batch.pk,
        ids=[r.pk for r in rows],
        filters=["decision"] if filters.decision else [],
        region_path=batch.region.path,
    )
    return page_out(count, page, [_row(r, user) for r in rows])


@router.get("/lists/review", response=Page[RowOut], summary="Rows waiting for a reviewer (audited)")
def review_rows(request: HttpRequest, page: Query[PageParams]) -> dict[str, object]:
    user = actor(request)
    count, rows = paginate(selectors.review_rows_for_user(user=user), page)
    audit_listing(user=user, request=request, object_type="list_row", ids=[r.pk for r in rows])
    return page_out(count, page, [_row(r, user) for r in rows])


@router.get(
    "/lists/rows/{int:row_id}", response=RowDetailOut, summary="One row with its candidates (audited)"
)
def row_detail(request: HttpRequest, row_id: PathId) -> dict[str, object]:
    user = actor(request)
    row = selectors.row_get_for_user(user=user, row_id=row_id)
    candidates = _candidates(row, user)
    audit_log(
        actor=user,
        action=AuditEvent.Action.READ,
        object_type="list_row",
        object_id=row.pk,
        region_path=row.batch.region.path,
        detail={"candidates": [c["person_id"] for c in candidates], "via": "api"},
        request=request,
    )
    return {**_row(row, user), "candidates": candidates}


def _review_row(user: User, row_id: int) -> ListRow:
    require(user, "can_write")
    row = selectors.row_get_for_user(user=user, row_id=row_id)
    if row.decision != ListRow.Decision.REVIEW:
        raise HttpError(409, _("该行已有结论，无需再确认"))
    return row


@router.post(
    "/lists/rows/{int:row_id}/link",
    response={200: RowOut, 409: ErrorOut},
    summary="Decide: the row is this candidate",
)
def row_link(request: HttpRequest, row_id: PathId, payload: LinkIn) -> dict[str, object]:
    user = actor(request)
    row = _review_row(user, row_id)
    chosen = {
        person.pk: person
        for _evidence, person in selectors.row_candidates(row=row, user=user)
        if person.merged_into_id is None
    }
    if payload.person_id not in chosen:
        raise _invalid(("body", "payload", "person_id"), _("不是该行的候选人员"))
    return _row(list_row_link(actor=user, row=row, person=chosen[payload.person_id]), user)


@router.post(
    "/lists/rows/{int:row_id}/new-person",
    response={201: RowOut, 409: ErrorOut},
    summary="Decide: the row is nobody in the registry; creates the person",
)
def row_new_person(request: HttpRequest, row_id: PathId) -> Status[dict[str, object]]:
    user = actor(request)
    row = _review_row(user, row_id)
    return Status(201, _row(list_row_new_person(actor=user, row=row), user))
