"""Define, revise and export department forms; every definition and every export is audited.

Validation messages are module constants (tests assert them). A definition names only keys of the
field catalogue (people forms) or of the indicators (figures forms), so no one can export anything the
catalogue does not offer. An export is scoped to the user's subtree (404 outside), refuses a day in the
future, masks ID numbers and phones unless both the form and the role need them, and is logged with
the form, version, region and row count — never a personal value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epigrid.cases.models import Classification
from epigrid.core.audit import audit_log
from epigrid.core.clock import local_today
from epigrid.core.models import AuditEvent, User
from epigrid.deptforms.export import Sheet, write_sheet
from epigrid.deptforms.fields import CATALOGUE, CHECKPOINT_COLUMNS, SITE_COLUMNS, Group, label_of
from epigrid.deptforms.models import FormRevision, FormTemplate, Grouping, Kind, RowSource
from epigrid.deptforms.rows import DATE_FIELDS, Masking, PeopleRow, figures_table, people_rows
from epigrid.monitoring.models import Episode
from epigrid.privacy.exports import PurposeError, export_audit, purpose_clean, stamp_for
from epigrid.regions.models import Region
from epigrid.regions.scope import scope_for
from epigrid.reports.indicators import INDICATORS, report_cutoff

ERR_TITLE = gettext_lazy("请填写表格名称")
ERR_NAME = gettext_lazy("表格代码只能用小写字母、数字、下划线和短横线，以字母开头，不超过60个字符")
ERR_NAME_TAKEN = gettext_lazy("表格代码已被使用，请换一个")
ERR_KIND = gettext_lazy("请选择表格类型")
ERR_ROW_SOURCE = gettext_lazy("请选择每行的内容")
ERR_NO_COLUMNS = gettext_lazy("请至少选择一列")
ERR_UNKNOWN_COLUMNS = gettext_lazy("未知的列：%(keys)s")
ERR_REPEATED_COLUMNS = gettext_lazy("同一列不能选两次：%(keys)s")
ERR_CONTACT_ONLY = gettext_lazy("“%(label)s”只能用于每名密切接触者一行的表格")
ERR_GROUPING = gettext_lazy("按集中隔离点分组只能用于统计表")
ERR_FILTER = gettext_lazy("筛选条件有误：%(keys)s")
ERR_FUTURE = gettext_lazy("不能导出未来日期的表格")
ERR_BUILTIN = gettext_lazy("内置表格不能修改，请复制为新表格后修改")
ERR_LABEL = gettext_lazy("列名不能超过30个字符")

NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,59}$")
PREVIEW_ROWS = 50


class FormError(Exception):
    """A refused definition or export; ``errors`` maps a field ("" for the whole form) to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


@dataclass
class FormInput:
    """A definition as typed in the builder, the API or a test (``columns`` are keys, in order)."""

    name: str
    title: str
    kind: str
    columns: list[str]
    row_source: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # a column renamed for this form
    department: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    grouping: str = Grouping.NONE
    requires_identifiers: bool = False
    note: str = ""
    idempotency_key: str = ""  # a new form's: the same key twice from one account defines it once


def _column_errors(data: FormInput) -> list[str]:
    if not data.columns:
        return [str(ERR_NO_COLUMNS)]
    if data.kind == Kind.FIGURES:
        known: set[str] = set(SITE_COLUMNS) if data.grouping == Grouping.SITE else set(INDICATORS)
    elif data.row_source == RowSource.CHECKPOINT:
        known = set(CHECKPOINT_COLUMNS)
    else:
        known = set(CATALOGUE)
    errors: list[str] = []
    unknown = [k for k in data.columns if k not in known]
    if unknown:
        errors.append(str(ERR_UNKNOWN_COLUMNS) % {"keys": "、".join(unknown)})
    repeated = sorted({k for k in data.columns if data.columns.count(k) > 1})
    if repeated:
        errors.append(str(ERR_REPEATED_COLUMNS) % {"keys": "、".join(repeated)})
    if data.kind == Kind.PEOPLE and data.row_source != RowSource.CONTACT:
        for key in data.columns:
            if key in CATALOGUE and CATALOGUE[key].group == Group.CONTACT:
                errors.append(str(ERR_CONTACT_ONLY) % {"label": CATALOGUE[key].label})
    if any(len(label) > 30 for label in data.labels.values()):
        errors.append(str(ERR_LABEL))
    return errors


def _filter_errors(data: FormInput) -> list[str]:
    filters = data.filters
    bad: list[str] = []
    allowed = {"outbreak", "classification", "episode_kind", "open", "date_field", "days", "header"}
    bad += [k for k in filters if k not in allowed]
    if not set(filters.get("classification") or []) <= set(Classification.values):
        bad.append("classification")
    if not set(filters.get("episode_kind") or []) <= set(Episode.Kind.values):
        bad.append("episode_kind")
    if filters.get("date_field") and filters["date_field"] not in DATE_FIELDS:
        bad.append("date_field")
    days = filters.get("days", 0)
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 366:
        bad.append("days")
    if not set(filters.get("header") or []) <= set(INDICATORS):
        bad.append("header")
    return [str(ERR_FILTER) % {"keys": "、".join(sorted(set(bad)))}] if bad else []


def form_validate(data: FormInput, *, current: FormTemplate | None = None) -> dict[str, list[str]]:
    """Return every problem of a definition at once, keyed by the builder's field names."""
    errors: dict[str, list[str]] = {}
    if not data.title.strip():
        errors["title"] = [str(ERR_TITLE)]
    if current is None:
        if not NAME_RE.match(data.name):
            errors["name"] = [str(ERR_NAME)]
        elif FormTemplate.objects.filter(name=data.name).exists():
            errors["name"] = [str(ERR_NAME_TAKEN)]
    if data.kind not in Kind.values:
        errors["kind"] = [str(ERR_KIND)]
        return errors
    if data.kind == Kind.PEOPLE and data.row_source not in RowSource.values:
        errors["row_source"] = [str(ERR_ROW_SOURCE)]
        return errors
    if data.grouping not in Grouping.values or (data.grouping == Grouping.SITE and data.kind != Kind.FIGURES):
        errors["grouping"] = [str(ERR_GROUPING)]
    if column_errors := _column_errors(data):
        errors["columns"] = column_errors
    if filter_errors := _filter_errors(data):
        errors["filters"] = filter_errors
    return errors


def _apply(form: FormTemplate, data: FormInput) -> None:
    form.title = data.title.strip()
    form.department = data.department.strip()
    form.kind = data.kind
    form.row_source = data.row_source if data.kind == Kind.PEOPLE else ""
    form.columns = [{"key": k, "label": data.labels.get(k, "").strip() or label_of(k)} for k in data.columns]
    form.filters = data.filters
    form.grouping = data.grouping
    form.requires_identifiers = data.requires_identifiers and data.kind == Kind.PEOPLE
    form.note = data.note.strip()


def _may_define(actor: User, region: Region) -> None:
    if not actor.caps.define_forms:
        raise PermissionDenied
    if not scope_for(actor).contains(region):
        raise Http404


def form_define(
    *, actor: User, region: Region, data: FormInput, request: HttpRequest | None = None
) -> FormTemplate:
    """Create a form for ``region``'s tree (version 1); ``FormError`` lists every problem.

    The same ``idempotency_key`` again from the same account answers the form it defined (``created``
    false), whatever else was sent; the account's row is locked while the key is looked up, so two
    retries at once define one. A key used for another region's form is refused.
    """
    _may_define(actor, region)
    key = data.idempotency_key.strip()[:64]
    with transaction.atomic():
        if key:
            User.objects.select_for_update().filter(pk=actor.pk).first()
            previous = FormTemplate.objects.filter(created_by=actor, idempotency_key=key).first()
            if previous is not None:
                if previous.region_id != region.pk:
                    raise FormError({"idempotency_key": [_("这个提交标识已用于另一条记录。")]})
                previous.created = False
                return previous
        errors = form_validate(data)
        if errors:
            raise FormError(errors)
        form = FormTemplate(name=data.name, region=region, created_by=actor, version=1, idempotency_key=key)
        _apply(form, data)
        try:
            with transaction.atomic():
                form.save()
                FormRevision.objects.create(
                    template=form, version=1, definition=form.definition(), created_by=actor
                )
        except IntegrityError:
            raise FormError({"name": [str(ERR_NAME_TAKEN)]}) from None  # a racing definition took the name
    audit_log(
        actor=actor, action=AuditEvent.Action.CREATE, object_type="dept_form", object_id=form.name,
        region_path=region.path, detail={"version": 1, "columns": data.columns}, request=request,
    )  # fmt: skip
    return form


def form_revise(
    *, actor: User, form: FormTemplate, data: FormInput, request: HttpRequest | None = None
) -> FormTemplate:
    """Save a new version of a defined form (built-in forms are copied, never edited)."""
    if form.builtin or form.region is None:
        raise FormError({"": [str(ERR_BUILTIN)]})
    _may_define(actor, form.region)
    errors = form_validate(data, current=form)
    if errors:
        raise FormError(errors)
    with transaction.atomic():
        locked = FormTemplate.objects.select_for_update().get(pk=form.pk)
        _apply(locked, data)
        locked.version += 1
        locked.save()
        FormRevision.objects.create(
            template=locked, version=locked.version, definition=locked.definition(), created_by=actor
        )
    audit_log(
        actor=actor, action=AuditEvent.Action.UPDATE, object_type="dept_form", object_id=locked.name,
        region_path=form.region.path, detail={"version": locked.version, "columns": data.columns},
        request=request,
    )  # fmt: skip
    return locked


def _check_export(*, actor: User, region: Region, day: dt.date) -> None:
    if not scope_for(actor).contains(region):
        raise Http404
    if day > local_today():
        raise FormError({"date": [str(ERR_FUTURE)]})


def _unit_name(region: Region) -> str:
    names = dict(Region.objects.filter(pk__in=region.depth_ids).values_list("pk", "name"))
    return "".join(names.get(pk, "") for pk in region.depth_ids)


def _sheet(*, actor: User, form: FormTemplate, region: Region, day: dt.date) -> Sheet:
    now = timezone.localtime(timezone.now())
    # Today's report before its cut-off holds what is recorded so far: say so rather than "18:00".
    local = min(timezone.localtime(report_cutoff(day)), now)
    info = "　　".join(
        [
            _("填报单位：%(unit)s") % {"unit": _unit_name(region)},
            _("填报人：%(name)s") % {"name": actor.display_name or actor.username},
            _("联系电话：%(phone)s") % {"phone": actor.phone},
            _("审核人：%(blank)s") % {"blank": "　" * 6},
            _("报送时间：%(at)s") % {"at": now.strftime("%Y-%m-%d %H:%M")},
        ]
    )
    subtitle = _("统计截止：%(at)s") % {"at": local.strftime("%Y-%m-%d %H:%M")}
    lines = [form.note] if form.note else []
    headers = [str(c["label"]) for c in form.columns]
    widths = [CATALOGUE[c["key"]].width if c["key"] in CATALOGUE else 8 for c in form.columns]
    if form.kind == Kind.PEOPLE:
        headers, widths = [_("序号"), *headers], [5, *widths]
    else:
        headers, widths = (
            [_("单位") if form.grouping != Grouping.SITE else _("隔离点"), *headers],
            [14, *widths],
        )
    return Sheet(title=form.title, subtitle=subtitle, info=info, lines=lines, headers=headers, widths=widths)


def _numbered(rows: Iterator[PeopleRow]) -> Iterator[tuple[str, list[object]]]:
    for number, row in enumerate(rows, start=1):
        yield row.group, [number, *row.values]


@dataclass(frozen=True)
class ExportResult:
    rows: int
    version: int
    file_name: str


def form_export(
    *, actor: User, form: FormTemplate, region: Region, day: dt.date, out: IO[bytes], purpose: str,
    request: HttpRequest | None = None,
) -> ExportResult:  # fmt: skip
    """Write ``form`` for ``region``'s tree as of ``day``'s cut-off to ``out`` as xlsx, stamped with the
    exporter and ``purpose`` (required: ``privacy.exports``); audited with purpose, rows and columns."""
    _check_export(actor=actor, region=region, day=day)
    try:
        stamp = stamp_for(actor, purpose_clean(purpose))
    except PurposeError as exc:
        raise FormError({"purpose": [str(exc)]}) from None
    sheet = _sheet(actor=actor, form=form, region=region, day=day)
    masking = Masking.for_user(form=form, caps=actor.caps)
    cutoff = report_cutoff(day)
    if form.kind == Kind.FIGURES:
        table = figures_table(form=form, region=region, cutoff=cutoff)
        header = "　　".join(f"{INDICATORS[k].label}：{n}" for k, n in table.header)
        total: list[object] = [_("合计"), *table.total]
        sheet = replace(
            sheet,
            lines=[header, *sheet.lines] if header else sheet.lines,
            total=total if len(table.rows) > 1 else None,
        )
        count = write_sheet(out, sheet, (("", [name, *values]) for name, values in table.rows), stamp=stamp)
    else:
        rows = people_rows(form=form, region=region, day=day, cutoff=cutoff, masking=masking)
        count = write_sheet(out, sheet, _numbered(rows), stamp=stamp)
    export_audit(
        actor=actor, stamp=stamp, object_type="dept_form", object_id=form.name, region_path=region.path,
        rows=count, columns=[c["key"] for c in form.columns], filters=[*form.filters, "region", "date"],
        fmt="xlsx", request=request,
        extra={
            "form": form.name, "version": form.version, "region": region.pk, "day": day.isoformat(),
            "identifiers": masking.id_number or masking.phone,
        },
    )  # fmt: skip
    file_name = f"{form.title}_{region.name}_{day.isoformat()}.xlsx"
    return ExportResult(rows=count, version=form.version, file_name=file_name)


@dataclass(frozen=True)
class Preview:
    headers: list[str]
    rows: list[tuple[str, list[object], int]]  # group heading, values, the row's record id (0 for figures)
    total: list[object] | None
    lines: list[str]
    more: bool  # more rows than shown


def form_preview(
    *, actor: User, form: FormTemplate, region: Region, day: dt.date, request: HttpRequest | None = None
) -> Preview:
    """Return the first rows of a form as the export would fill them (masked); the people shown are logged."""
    _check_export(actor=actor, region=region, day=day)
    sheet = _sheet(actor=actor, form=form, region=region, day=day)
    cutoff = report_cutoff(day)
    if form.kind == Kind.FIGURES:
        table = figures_table(form=form, region=region, cutoff=cutoff)
        lines = [f"{INDICATORS[k].label}：{n}" for k, n in table.header] + sheet.lines
        rows: list[tuple[str, list[object], int]] = [("", [name, *values], 0) for name, values in table.rows]
        total: list[object] | None = [_("合计"), *table.total] if len(rows) > 1 else None
        return Preview(sheet.headers, rows, total, lines, more=False)
    masking = Masking.for_user(form=form, caps=actor.caps)
    found = list(
        people_rows(form=form, region=region, day=day, cutoff=cutoff, masking=masking, limit=PREVIEW_ROWS + 1)
    )
    shown = found[:PREVIEW_ROWS]
    audit_log(
        actor=actor, action=AuditEvent.Action.READ, object_type="dept_form", object_id=form.name,
        region_path=region.path, request=request,
        detail={"version": form.version, "day": day.isoformat(), "persons": [r.person_id for r in shown]},
    )  # fmt: skip
    people = [(r.group, [n, *r.values], r.record_id) for n, r in enumerate(shown, start=1)]
    return Preview(sheet.headers, people, None, sheet.lines, more=len(found) > PREVIEW_ROWS)
