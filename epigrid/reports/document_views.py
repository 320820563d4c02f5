"""The daily work report as a document: HTML preview, editing before issue, and the .docx download."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from epigrid.core.access import ScopedRequest, scoped
from epigrid.core.clock import local_today, now
from epigrid.privacy.exports import (
    PurposeError,
    purpose_from_request,
    purpose_page,
    stamp_for,
    watermark_docx,
)
from epigrid.regions.models import Level, Region
from epigrid.regions.selectors import region_ancestors, region_roots_for_user, regions_for_user
from epigrid.reports.document import SECTION_HEADINGS
from epigrid.reports.document_docx import title_lines, write_docx
from epigrid.reports.document_drafts import (
    FUTURE,
    DocumentError,
    DocumentState,
    can_edit,
    document_state,
    report_draft_discard,
    report_draft_issue,
    report_draft_save,
    report_export_log,
)
from epigrid.reports.indicators import report_cutoff
from epigrid.reports.selectors import region_for_user

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEMPLATE = "reports/document.html"


def _town(request: ScopedRequest, region_id: int) -> Region:
    """Return a town or street of the user's scope; 404 for any other region, as for a missing id."""
    region = region_for_user(user=request.user, region_id=region_id)
    if region.level != Level.TOWN:
        raise Http404
    return region


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Http404 from None


def _context(
    request: ScopedRequest,
    town: Region,
    day: dt.date,
    state: DocumentState,
    *,
    posted: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, object]:
    """Build the page's context; after a refused save the editor shows what was typed, with the errors."""
    editable = can_edit(request.user, town) and not state.issued
    report = state.report
    typed = posted or {}
    return {
        "town": town,
        "day": day,
        "state": state,
        "report": report,
        "blocks": report.blocks(),
        "title_lines": title_lines(report.title),
        "editable": editable,
        "fields": {
            name: typed.get(name, getattr(report, name)) for name in ("title", "addressee", "signature")
        },
        "sections": [
            (s.key, s.heading or _("开头"), typed.get(s.key, "\n".join(s.paragraphs)))
            for s in report.sections
        ],
        "cutoff": report_cutoff(day),
        "before_cutoff": now() < report_cutoff(day),
        "ancestors": [*region_ancestors(region=town, user=request.user), town],
        "errors": {("all" if key == "__all__" else key): message for key, message in (errors or {}).items()},
    }


@scoped
@require_GET
def document_home(request: ScopedRequest) -> HttpResponse:
    """Pick a town or street of the user's scope and a day; go to its report."""
    towns = list(regions_for_user(user=request.user).filter(level=Level.TOWN).order_by("code")[:200])
    today = local_today()
    town_id, day = request.GET.get("town", ""), request.GET.get("day", "")
    if town_id.isdigit() and day:
        return redirect("reports:document:page", region_id=int(town_id), day=day)
    roots = region_roots_for_user(user=request.user)
    return render(request, "reports/document_home.html", {"towns": towns, "today": today, "roots": roots})


@scoped
@require_GET
def document_page(request: ScopedRequest, region_id: int, day: str) -> HttpResponse:
    """Show the town's report of the day as it will be printed; its editor for those who may edit."""
    town, date = _town(request, region_id), _day(day)
    if date > local_today():
        context = {"town": town, "day": date, "refused": FUTURE, "ancestors": [town]}
        return render(request, TEMPLATE, context, status=400)
    return render(request, TEMPLATE, _context(request, town, date, document_state(town=town, day=date)))


@scoped
def document_save(request: ScopedRequest, region_id: int, day: str) -> HttpResponse:
    """Save the edited wording; htmx gets the preview and editor back, a plain form a redirect."""
    town, date = _town(request, region_id), _day(day)
    if not can_edit(request.user, town):
        raise Http404  # a reader of the town is not told more than a stranger
    if request.method != "POST":  # checked after the scope, so a stranger learns nothing from a 405
        return HttpResponseNotAllowed(["POST"])
    post = request.POST
    try:
        report_draft_save(
            actor=request.user,
            town=town,
            day=date,
            title=post.get("title", ""),
            addressee=post.get("addressee", ""),
            signature=post.get("signature", ""),
            sections={key: post[key] for key in SECTION_HEADINGS if key in post},
            request=request,
        )
    except DocumentError as exc:
        typed = {
            key: post[key] for key in ("title", "addressee", "signature", *SECTION_HEADINGS) if key in post
        }
        state = document_state(town=town, day=date)
        context = _context(request, town, date, state, posted=typed, errors=exc.errors)
        template = f"{TEMPLATE}#document" if request.htmx else TEMPLATE
        return render(request, template, context, status=400)
    if request.htmx:
        context = _context(request, town, date, document_state(town=town, day=date))
        context["saved"] = True
        return render(request, f"{TEMPLATE}#document", context)
    messages.success(request, _("草稿已保存。"))
    return redirect("reports:document:page", region_id=town.pk, day=date.isoformat())


@scoped
def document_issue(request: ScopedRequest, region_id: int, day: str) -> HttpResponse:
    """Issue the report as it stands and lock it."""
    town, date = _town(request, region_id), _day(day)
    if not can_edit(request.user, town):
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        report_draft_issue(actor=request.user, town=town, day=date, request=request)
    except DocumentError as exc:
        messages.error(request, "；".join(exc.errors.values()))
    else:
        messages.success(request, _("报告已签发，不能再修改。"))
    return redirect("reports:document:page", region_id=town.pk, day=date.isoformat())


@scoped
def document_discard(request: ScopedRequest, region_id: int, day: str) -> HttpResponse:
    """Drop the edits and generate the report from the records again."""
    town, date = _town(request, region_id), _day(day)
    if not can_edit(request.user, town):
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        if report_draft_discard(actor=request.user, town=town, day=date, request=request):
            messages.success(request, _("已放弃修改，报告按最新数据重新生成。"))
    except DocumentError as exc:
        messages.error(request, "；".join(exc.errors.values()))
    return redirect("reports:document:page", region_id=town.pk, day=date.isoformat())


@scoped
@require_GET
def document_docx(request: ScopedRequest, region_id: int, day: str) -> HttpResponse:
    """Download the report as a .docx laid out per GB/T 9704-2012: a purpose is asked for first, the
    exporter's name and the time head every page, and the download is logged as an export."""
    town, date = _town(request, region_id), _day(day)
    if date > local_today():
        messages.error(request, str(FUTURE))
        return redirect(reverse("reports:document:home"))
    try:
        stamp = stamp_for(request.user, purpose_from_request(request))
    except PurposeError as exc:
        return purpose_page(request, str(exc), title=_("工作报告"))
    state = document_state(town=town, day=date)
    content = watermark_docx(write_docx(state.report), stamp)
    report_export_log(
        actor=request.user, town=town, day=date, fmt="docx", state=state, request=request, stamp=stamp
    )
    name = f"{town.name}{date.month}月{date.day}日工作报告.docx"
    return HttpResponse(
        content,
        content_type=DOCX_TYPE,
        headers={"Content-Disposition": content_disposition_header(True, name)},
    )
