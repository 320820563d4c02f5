"""Reads and writes of the report document: the draft a town edits, issuing it, and its exports.

A report of a day is generated from the records until someone edits it; then the edited draft is
what the preview shows and the .docx holds; issuing it locks it. Town officers and the district HQ
edit and issue, inside their subtrees; everyone who may see the town reads and downloads it. Every
write and every export is audited (ids, fields and formats, never the text).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from epigrid.core.audit import audit_log
from epigrid.core.clock import local_today, now
from epigrid.core.models import AuditEvent, User
from epigrid.core.roles import Role
from epigrid.privacy.exports import Stamp, export_audit, stamp_for
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for
from epigrid.reports.document import SECTION_HEADINGS, ReportDocument
from epigrid.reports.document_content import daily_report
from epigrid.reports.document_models import ReportDraft

# Writing the town's report is the town's job, and the HQ's that receives it; nobody else edits it.
EDITOR_ROLES = frozenset({Role.TOWN_OFFICER, Role.DISTRICT_HQ})
MAX_SECTION_CHARS = 10_000
MAX_LINE_CHARS = 200  # title, addressee, signature

OBJECT_TYPE = "report_document"

LOCKED = _("该报告已签发，不能再修改。")
FUTURE = _("不能生成未来日期的报告。")
REQUIRED = _("此项不能为空。")
TOO_LONG = _("内容过长（最多%(limit)s字）。")


class DocumentError(Exception):
    """A refused write, with a message per field (``"__all__"`` for the whole report)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class DocumentState:
    """The report to show: generated, or a saved draft, or issued (then ``draft.issued``)."""

    report: ReportDocument
    draft: ReportDraft | None

    @property
    def issued(self) -> bool:
        return self.draft is not None and self.draft.issued


def object_id(town: Region, day: dt.date) -> str:
    return f"{town.pk}:{day.isoformat()}"


def check_day(day: dt.date) -> None:
    """Refuse a report of a day that has not come yet (local day)."""
    if day > local_today():
        raise DocumentError({"__all__": str(FUTURE)})


def can_edit(user: User, town: Region) -> bool:
    """Tell whether ``user`` may edit and issue the town's report (role, and the town in scope)."""
    return user.role in EDITOR_ROLES and town.level == Level.TOWN and scope_for(user).contains(town)


def document_state(*, town: Region, day: dt.date) -> DocumentState:
    """Return the saved draft or issued report of the day, else the report generated now."""
    draft = ReportDraft.objects.filter(region=town, day=day).select_related("edited_by", "issued_by").first()
    if draft is not None:
        return DocumentState(ReportDocument.from_json(draft.content), draft)
    return DocumentState(daily_report(town, day), None)


def _validate(report: ReportDocument, sections: dict[str, str]) -> None:
    errors: dict[str, str] = {}
    for name in ("title", "addressee", "signature"):
        value = getattr(report, name)
        if not value:
            errors[name] = str(REQUIRED)
        elif len(value) > MAX_LINE_CHARS:
            errors[name] = str(TOO_LONG) % {"limit": MAX_LINE_CHARS}
    for key, text in sections.items():
        if len(text) > MAX_SECTION_CHARS:
            errors[key] = str(TOO_LONG) % {"limit": MAX_SECTION_CHARS}
        elif not report.section(key).paragraphs:
            errors[key] = str(REQUIRED)
    if errors:
        raise DocumentError(errors)


def _locked_draft(town: Region, day: dt.date) -> ReportDraft | None:
    """Return the day's draft under the town's row lock (two first saves cannot both create one)."""
    Region.objects.select_for_update().filter(pk=town.pk).first()
    draft = ReportDraft.objects.select_for_update().filter(region=town, day=day).first()
    if draft is not None and draft.issued:
        raise DocumentError({"__all__": str(LOCKED)})
    return draft


def _require_editor(actor: User, town: Region) -> None:
    if not can_edit(actor, town):
        raise PermissionError(actor.pk)


def report_draft_save(
    *,
    actor: User,
    town: Region,
    day: dt.date,
    title: str,
    addressee: str,
    signature: str,
    sections: dict[str, str],
    request: HttpRequest | None = None,
) -> ReportDraft:
    """Save the edited wording of the town's report of ``day`` as its draft; refused once issued."""
    _require_editor(actor, town)
    check_day(day)
    sections = {key: text for key, text in sections.items() if key in SECTION_HEADINGS}
    with transaction.atomic():
        draft = _locked_draft(town, day)
        base = ReportDocument.from_json(draft.content) if draft else daily_report(town, day)
        edited = base.edited(title=title, addressee=addressee, signature=signature, sections=sections)
        _validate(edited, sections)
        changed = sorted(
            [n for n in ("title", "addressee", "signature") if getattr(edited, n) != getattr(base, n)]
            + [k for k in sections if edited.section(k) != base.section(k)]
        )
        stamp = now()
        if draft is None:
            draft = ReportDraft.objects.create(
                region=town, day=day, content=edited.to_json(), edited_by=actor, edited_at=stamp
            )
            action = AuditEvent.Action.CREATE
        else:
            draft.content, draft.edited_by, draft.edited_at = edited.to_json(), actor, stamp
            draft.save(update_fields=["content", "edited_by", "edited_at"])
            action = AuditEvent.Action.UPDATE
        audit_log(
            actor=actor,
            action=action,
            object_type=OBJECT_TYPE,
            object_id=object_id(town, day),
            region_path=town.path,
            detail={"draft": draft.pk, "fields": changed},
            request=request,
        )
    return draft


def report_draft_discard(
    *, actor: User, town: Region, day: dt.date, request: HttpRequest | None = None
) -> bool:
    """Drop the unissued draft, so the report is generated from the records again; False if none."""
    _require_editor(actor, town)
    with transaction.atomic():
        draft = _locked_draft(town, day)
        if draft is None:
            return False
        pk = draft.pk
        draft.delete()
        audit_log(
            actor=actor,
            action=AuditEvent.Action.DELETE,
            object_type=OBJECT_TYPE,
            object_id=object_id(town, day),
            region_path=town.path,
            detail={"draft": pk},
            request=request,
        )
    return True


def report_draft_issue(
    *, actor: User, town: Region, day: dt.date, request: HttpRequest | None = None
) -> ReportDraft:
    """Issue the town's report of ``day`` as it stands (the draft, or the generated report) and lock it."""
    _require_editor(actor, town)
    check_day(day)
    with transaction.atomic():
        draft = _locked_draft(town, day)
        stamp = now()
        if draft is None:
            draft = ReportDraft(
                region=town,
                day=day,
                content=daily_report(town, day).to_json(),
                edited_by=actor,
                edited_at=stamp,
            )
        draft.issued_by, draft.issued_at = actor, stamp
        draft.save()
        audit_log(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            object_type=OBJECT_TYPE,
            object_id=object_id(town, day),
            region_path=town.path,
            detail={"draft": draft.pk, "issued": True},
            request=request,
        )
    return draft


def report_export_log(
    *,
    actor: User | None,
    town: Region,
    day: dt.date,
    fmt: str,
    state: DocumentState,
    request: HttpRequest | None = None,
    stamp: Stamp | None = None,
) -> None:
    """Record one export of the report (.docx download, or the command line's file) through
    ``privacy.exports``: the purpose of the stamp (the page requires one; the command line, run by the
    operator on the server, records none), its sections as rows and columns, the town and day."""
    export_audit(
        actor=actor,
        stamp=stamp or stamp_for(actor, ""),
        object_type=OBJECT_TYPE,
        object_id=object_id(town, day),
        region_path=town.path,
        rows=len(state.report.sections),
        columns=[s.key for s in state.report.sections],
        filters=("town", "day"),
        fmt=fmt,
        request=request,
        extra={"draft": state.draft.pk if state.draft else None, "issued": state.issued},
    )
