"""Every export of personal data says who took it, what it held and why (PIPL; the Feb 2020 national notice).

One module for every export (department form xlsx, its API, the outside-district list printed and as
xlsx, the 14-day monitoring form, the report .docx):

- ``purpose_clean`` / ``purpose_from_request``: the purpose (导出用途) is required, 2 to 200 characters
  after trimming; ID-number-like and mobile-phone-like runs are cut out before it is stored (the
  detector of ``publicinfo.privacy``), so the audit log never holds them.
- ``purpose_page``: what a page export answers without a valid purpose — a form asking for it, the
  other query parameters kept; nothing is exported and nothing is logged as exported.
- ``export_audit``: the one ``AuditEvent`` (EXPORT) of an export: purpose, row count, columns and the
  *names* of the filters (never their values).
- ``Stamp``: the exporter's watermark: ``watermark_xlsx`` puts it in the header and footer of every
  sheet and the document properties, ``watermark_docx`` in the header of every page and the core
  properties, ``stamp_context`` gives the print pages their repeated diagonal text (static CSS only).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from epigrid.core.audit import audit_log
from epigrid.core.models import AuditEvent, User
from epigrid.publicinfo import privacy as public_privacy

PURPOSE_PARAM = "purpose"
PURPOSE_MIN, PURPOSE_MAX = 2, 200
REDACTED = "[号码已隐去]"
# The print pages repeat the stamp over the sheet: enough tiles to cover an A4 page in landscape.
PRINT_TILES = 24
# Usual reasons, offered as suggestions (a datalist): the text stays free.
SUGGESTIONS = (
    gettext_lazy("报送上级指挥部"),
    gettext_lazy("移交属地防控部门"),
    gettext_lazy("流行病学调查核实"),
    gettext_lazy("入户随访与健康监测"),
    gettext_lazy("部门名单比对核查"),
)

ERR_PURPOSE_MISSING = gettext_lazy("请填写导出用途（2至200字）：说明这份个人信息用于哪项防控工作。")
ERR_PURPOSE_SHORT = gettext_lazy("导出用途至少2个字。")
ERR_PURPOSE_LONG = gettext_lazy("导出用途不能超过200字。")


class PurposeError(ValueError):
    """A missing or unusable purpose; the message names the field and never repeats what was typed."""


def _redact(text: str) -> str:
    """``text`` with every ID-number-like or mobile-like run replaced (landlines and hotlines stay)."""

    def replace(match: re.Match[str]) -> str:
        return REDACTED if public_privacy.number_findings(match.group()) else match.group()

    return public_privacy._DIGITS.sub(replace, text)


def purpose_clean(raw: object) -> str:
    """The purpose as stored: whitespace collapsed, people's numbers cut out; ``PurposeError`` if unusable."""
    text = " ".join(str(raw or "").split())
    if not text:
        raise PurposeError(str(ERR_PURPOSE_MISSING))
    if len(text) > PURPOSE_MAX:
        raise PurposeError(str(ERR_PURPOSE_LONG))
    text = _redact(text)
    # What is left once the numbers are gone must still say something.
    if len(text.replace(REDACTED, "").strip()) < PURPOSE_MIN:
        raise PurposeError(str(ERR_PURPOSE_SHORT))
    return text


@dataclass(frozen=True)
class Stamp:
    """Who exported, when, and why: the watermark of one export."""

    display_name: str
    username: str
    at: dt.datetime  # local time
    purpose: str

    @property
    def who(self) -> str:
        name = f"{self.display_name} {self.username}" if self.display_name else self.username
        return _("导出人：%(name)s %(at)s") % {"name": name, "at": self.at.strftime("%Y-%m-%d %H:%M")}

    @property
    def why(self) -> str:
        return _("用途：%(purpose)s") % {"purpose": self.purpose}

    @property
    def text(self) -> str:
        return f"{self.who} {self.why}"


def stamp_for(actor: User | None, purpose: str) -> Stamp:
    """The stamp of an export by ``actor`` now (``purpose`` already cleaned)."""
    if actor is None:
        return Stamp("", str(_("命令行")), timezone.localtime(timezone.now()), purpose)
    return Stamp(
        actor.display_name.strip(), actor.get_username(), timezone.localtime(timezone.now()), purpose
    )


def purpose_from_request(request: HttpRequest) -> str:
    """The cleaned purpose of ``request`` (query string, else form body); ``PurposeError`` if unusable."""
    raw = request.GET.get(PURPOSE_PARAM)
    if raw is None:
        raw = request.POST.get(PURPOSE_PARAM, "")
    return purpose_clean(raw)


def purpose_page(request: HttpRequest, error: str, *, title: str) -> HttpResponse:
    """Ask for the purpose of an export, keeping the other query parameters (nothing is exported).

    A request that carried a ``purpose`` gets the error and status 400; one that did not (a link from
    an older page) gets the same form without an error, status 200.
    """
    asked = PURPOSE_PARAM in request.GET
    kept = [(k, v) for k, values in request.GET.lists() if k != PURPOSE_PARAM for v in values]
    context = {
        "title": title,
        "error": error if asked else "",
        "kept": kept,
        "action": request.path,
        "suggestions": [str(s) for s in SUGGESTIONS],
        "purpose_max": PURPOSE_MAX,
    }
    return render(request, "privacy/export_purpose.html", context, status=400 if asked else 200)


def export_audit(
    *,
    actor: User | None,
    stamp: Stamp,
    object_type: str,
    object_id: str | int = "",
    region_path: str = "",
    rows: int,
    columns: Iterable[str] = (),
    filters: Iterable[str] = (),
    fmt: str,
    request: HttpRequest | None = None,
    extra: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Record one export: purpose, rows, columns and the filters' field names — no personal value."""
    detail: dict[str, Any] = {
        "purpose": stamp.purpose,
        "rows": rows,
        "columns": [str(c) for c in columns],
        "filters": sorted({str(f) for f in filters}),
        "format": fmt,
        **(extra or {}),
    }
    return audit_log(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        object_type=object_type,
        object_id=object_id,
        region_path=region_path,
        detail=detail,
        request=request,
        username="" if actor is not None else "command line",
    )


def _header_text(text: str) -> str:
    """Text for an xlsx header or footer: ``&`` starts a code there, so it becomes the full-width ＆
    (doubling it could take a 200-character purpose past Excel's 255 characters per section)."""
    return text.replace("&", "＆")


def watermark_xlsx(workbook: Workbook, stamp: Stamp) -> None:
    """Stamp every sheet's header and footer (printed on every page) and the document properties.

    Works on a write-only workbook too, as long as it is called before ``save``.
    """
    for sheet in workbook.worksheets:
        for header in (sheet.oddHeader, sheet.evenHeader, sheet.firstHeader):
            header.center.text = _header_text(stamp.who)
        for footer in (sheet.oddFooter, sheet.evenFooter, sheet.firstFooter):
            footer.center.text = _header_text(stamp.why)
            footer.right.text = _("第 &P 页 共 &N 页")
    props = workbook.properties
    props.creator = stamp.username
    props.lastModifiedBy = stamp.username
    props.description = stamp.text
    props.keywords = str(_("个人信息 仅限防控使用"))


def watermark_docx(content: bytes, stamp: Stamp) -> bytes:
    """Add the stamp as the first line of every page header (odd, even and first pages) and in the
    document's core properties; return the new file."""
    from docx import Document

    document = Document(io.BytesIO(content))
    for section in document.sections:
        headers = [section.header, section.even_page_header, section.first_page_header]
        for header in headers:
            paragraph = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
            if paragraph.text:
                paragraph = header.add_paragraph()
            paragraph.text = stamp.text
    props = document.core_properties
    props.author = stamp.username
    props.last_modified_by = stamp.username
    props.comments = stamp.text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def stamp_context(stamp: Stamp) -> dict[str, Any]:
    """What ``privacy/watermark.html`` needs: the stamp and how many times to repeat it."""
    return {"stamp": stamp, "stamp_tiles": range(PRINT_TILES)}
