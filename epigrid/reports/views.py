"""Daily report pages: a unit's report (figures computed, measures and words typed), who has reported,
completeness and timeliness over a period, and the indicators of a region with its children's table.

Every region is looked up through ``reports.selectors`` (404 outside the user's scope); the one write
is ``reports.services.unit_report_submit``. Indicators are counts, never names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from epigrid.core.access import ScopedRequest, scoped
from epigrid.core.clock import local_today, now
from epigrid.measurelog.selectors import LogSums, unit_log_sums, villages_logged
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for
from epigrid.regions.selectors import region_ancestors, region_roots_for_user
from epigrid.reports.indicators import indicator_table, indicator_values, report_cutoff
from epigrid.reports.models import MEASURE_KINDS, MEASURE_UNITS
from epigrid.reports.presenters import (
    TABLE_KEYS,
    completeness_cells,
    figure_groups,
    measure_lines,
    percent,
    table_columns,
)
from epigrid.reports.selectors import (
    MAX_PERIOD_DAYS,
    completeness,
    current_report,
    region_children,
    region_for_user,
    report_deadline,
    report_for_user,
    report_revisions,
    reports_by_id,
    unit_for_user,
    unit_reports,
    unit_reports_below,
)
from epigrid.reports.services import ReportForbidden, ReportInvalid, may_report, unit_report_submit

DEFAULT_PERIOD_DAYS = 7
HISTORY_DAYS = 14


def _day(raw: str | None, default: dt.date) -> dt.date | None:
    """Read a YYYY-MM-DD parameter; None when it is malformed."""
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw.strip()[:10])
    except ValueError:
        return None


def _crumbs(region: Region, request: ScopedRequest) -> list[Region]:
    return [*region_ancestors(region=region, user=request.user), region]


@scoped
def reports_home(request: ScopedRequest) -> HttpResponse:
    """Send the user to their daily report: a village to its form, a town or HQ to who has reported."""
    roots = region_roots_for_user(user=request.user)
    for root in roots:
        if root.level == Level.VILLAGE:
            return redirect("reports:unit", root.pk)
        if root.level in (Level.DISTRICT, Level.TOWN):
            return redirect("reports:status", root.pk)
    return render(request, "reports/home.html", {"roots": roots})


@dataclass(frozen=True)
class MeasureField:
    kind: str
    label: str
    unit: str
    value: str
    error: str
    logged: str = ""  # the measures log's sum when it differs from the value shown


def _measure_fields(
    values: dict[str, str], errors: dict[str, str], logged: dict[str, int] | None = None
) -> list[MeasureField]:
    """The form's measure fields; ``logged``: the measures log's sums, shown where they differ (None: the
    unit kept no log that day, so there is nothing to compare with)."""

    def hint(kind: str) -> str:
        if logged is None:
            return ""
        count = str(logged.get(kind, 0))
        return count if count != (values.get(kind, "") or "0") else ""

    return [
        MeasureField(
            kind,
            str(label),
            str(MEASURE_UNITS[kind]),
            values.get(kind, ""),
            errors.get(f"measures.{kind}", ""),
            hint(kind),
        )
        for kind, label in MEASURE_KINDS.items()
    ]


def _villages_not_reported(town: Region, day: dt.date) -> list[Region]:
    """The villages of ``town`` that logged measures on ``day`` but have no current report of it."""
    logged = villages_logged(town, day)
    if not logged:
        return []
    reported = {r.region_id for r in unit_reports_below(town, day)}
    missing = [pk for pk in logged if pk not in reported]
    return list(Region.objects.filter(pk__in=missing).order_by("code")) if missing else []


def _unit_context(
    request: ScopedRequest, region: Region, day: dt.date, *, fill_from_log: bool = False
) -> dict[str, object]:
    moment = now()
    cutoff = report_cutoff(day)
    deadline = report_deadline(day)
    figures = indicator_values(region, min(cutoff, moment))
    current = current_report(region, day)
    today = local_today()
    parent = region.parent
    # The measures log pre-fills the form (measurelog.selectors: a village with its grids, a town its own
    # entries only); a submitted report shows what it carries, unless the user asks for the log again.
    log = unit_log_sums(region, day)
    from_log = fill_from_log or current is None
    shown = log.for_report if from_log else (current.measures if current else {})
    # A unit that keeps no log that day is not told that its report differs from an empty log.
    logged = log.for_report if log.counts else None
    return {
        "region": region,
        "ancestors": _crumbs(region, request),
        "day": day,
        "today": today,
        "is_future": day > today,
        "cutoff": cutoff,
        "deadline": deadline,
        "before_cutoff": moment < cutoff,
        "overdue": current is None and moment > deadline,
        "groups": figure_groups(figures),
        "current": current,
        "current_measures": measure_lines(current.measures) if current else [],
        "revisions": report_revisions(region, day) if current and current.revision > 1 else [],
        "history": unit_reports(region, today - dt.timedelta(days=HISTORY_DAYS - 1), today),
        "measure_fields": _measure_fields({k: str(v) for k, v in shown.items()}, {}, logged),
        "log": log,
        "prefilled": from_log and bool(log.for_report),
        "log_differs": logged is not None
        and current is not None
        and not from_log
        and current.measures != logged,
        "villages_unreported": _villages_not_reported(region, day) if region.level == Level.TOWN else [],
        "typed": {
            "problems": current.problems if current else "",
            "suggestions": current.suggestions if current else "",
        },
        "errors": {},
        "can_submit": may_report(request.user) and day <= today,
        # The level the unit reports to, when the user may open it (a village leader may not open the town).
        "parent": parent if parent is not None and scope_for(request.user).contains(parent) else None,
    }


@scoped
def unit_page(request: ScopedRequest, region_id: int) -> HttpResponse:
    """Show a unit's report of a day (figures as of the cut-off) and take its submission."""
    region = unit_for_user(user=request.user, region_id=region_id)
    source = request.POST if request.method == "POST" else request.GET
    day = _day(source.get("day"), local_today())
    if day is None:
        messages.error(request, _("日期格式不对，请用年-月-日。"))
        return redirect("reports:unit", region.pk)
    if request.method != "POST":
        context = _unit_context(request, region, day, fill_from_log=request.GET.get("fill") == "log")
        return render(request, "reports/unit.html", context)
    zero = request.POST.get("zero") == "1"
    raw_measures = {kind: request.POST.get(f"measure_{kind}", "") for kind in MEASURE_KINDS}
    try:
        submission = unit_report_submit(
            actor=request.user,
            region=region,
            day=day,
            zero=zero,
            measures={} if zero else raw_measures,
            problems="" if zero else request.POST.get("problems", ""),
            suggestions="" if zero else request.POST.get("suggestions", ""),
        )
    except ReportForbidden:
        raise PermissionDenied from None
    except ReportInvalid as exc:
        context = _unit_context(request, region, day)
        logged = context["log"]
        assert isinstance(logged, LogSums)  # noqa: S101 (set by _unit_context just above)
        errors = {k: str(v) for k, v in exc.errors.items()}
        context.update(
            errors=errors,
            measure_fields=_measure_fields(
                raw_measures, errors, logged.for_report if logged.counts else None
            ),
            prefilled=False,
            log_differs=False,
            typed={
                "problems": request.POST.get("problems", ""),
                "suggestions": request.POST.get("suggestions", ""),
            },
        )
        return render(request, "reports/unit.html", context, status=400)
    report = submission.report
    if not submission.created:
        messages.info(request, _("内容与已报送的报告相同，未重复报送。"))
    elif report.revision > 1:
        messages.success(request, _("已报送第%(n)d版，之前的版本已保留。") % {"n": report.revision})
    elif report.late:
        messages.warning(request, _("已报送（迟报）。"))
    else:
        messages.success(request, _("已报送。"))
    return redirect(f"{reverse('reports:unit', args=[region.pk])}?day={day.isoformat()}")


@scoped
def report_detail(request: ScopedRequest, report_id: int) -> HttpResponse:
    """Show one submission (any revision) with its figures, measures and words, and its siblings."""
    report = report_for_user(user=request.user, report_id=report_id)
    context = {
        "report": report,
        "region": report.region,
        "ancestors": _crumbs(report.region, request),
        "groups": figure_groups(report.figures),
        "measures": measure_lines(report.measures),
        "revisions": report_revisions(report.region, report.day),
    }
    return render(request, "reports/report_detail.html", context)


def _level_above(request: ScopedRequest, region_id: int) -> Region:
    region = region_for_user(user=request.user, region_id=region_id)
    if region.level not in (Level.DISTRICT, Level.TOWN):
        raise Http404
    return region


@scoped
def status_page(request: ScopedRequest, region_id: int) -> HttpResponse:
    """Who has reported a day (default today): each unit on time, late, missing or not yet due."""
    region = _level_above(request, region_id)
    today = local_today()
    day = _day(request.GET.get("day"), today)
    error = ""
    if day is None or day > today:
        error = _("日期格式不对或是未来日期，已显示今天。")
        day = today
    table = completeness(region, day, day)
    reports = reports_by_id([c.report_id for row in table.rows for c in row.cells if c.report_id])
    rows = [(row.region, row.cells[0], reports.get(row.cells[0].report_id or 0)) for row in table.rows]
    counts = table.day_counts()[0]
    context = {
        "region": region,
        "ancestors": _crumbs(region, request),
        "day": day,
        "today": today,
        "deadline": table.deadlines[day],
        "rows": rows,
        "counts": counts,
        "error": error,
    }
    return render(request, "reports/status.html", context, status=400 if error else 200)


@scoped
def completeness_page(request: ScopedRequest, region_id: int) -> HttpResponse:
    """Completeness and timeliness of the units reporting to a region over a period (default 7 days)."""
    region = _level_above(request, region_id)
    today = local_today()
    end = _day(request.GET.get("end"), today)
    start = _day(request.GET.get("start"), (end or today) - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1))
    error = ""
    if start is None or end is None or end > today or start > end:
        error = _("日期不对（格式、先后或未来日期），已显示最近7天。")
        end, start = today, today - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    elif (end - start).days >= MAX_PERIOD_DAYS:
        error = _("一次最多查看%(n)d天，已从开始日期截取。") % {"n": MAX_PERIOD_DAYS}
        end = start + dt.timedelta(days=MAX_PERIOD_DAYS - 1)
    table = completeness(region, start, end)
    detail_base = reverse("reports:detail", args=[0]).removesuffix("0/")
    context = {
        "region": region,
        "ancestors": _crumbs(region, request),
        "table": table,
        "start": start,
        "end": end,
        "rows": [
            (
                row,
                completeness_cells(row.cells, detail_base),
                percent(row.completeness),
                percent(row.timeliness),
            )
            for row in table.rows
        ],
        "total_completeness": percent(table.completeness),
        "total_timeliness": percent(table.timeliness),
        "drill": region.level == Level.DISTRICT,
        "error": error,
    }
    return render(request, "reports/completeness.html", context, status=400 if error else 200)


@scoped
def indicators_page(request: ScopedRequest, region_id: int) -> HttpResponse:
    """The figures of a region as of a cut-off (default today's), with the table of its children."""
    region = region_for_user(user=request.user, region_id=region_id)
    today = local_today()
    day = _day(request.GET.get("day"), today)
    error = ""
    cutoff: dt.datetime | None = None
    if day is None or day > today:
        error = _("日期格式不对或是未来日期，已按今天统计。")
        day = today
    hour = request.GET.get("hour", "").strip()
    if hour and not error:
        try:
            cutoff = timezone.make_aware(dt.datetime.combine(day, dt.time.fromisoformat(hour)))
        except ValueError:
            error = _("时间格式不对，已按报告截止时间统计。")
    if cutoff is None:
        cutoff = report_cutoff(day)
    as_of = min(cutoff, now())
    values = indicator_values(region, as_of)
    children: list[Region] = []
    table: list[tuple[Region, list[int]]] = []
    if region.level < Level.GRID:
        children = region_children(region)
        figures = indicator_table(children, as_of, TABLE_KEYS)
        table = [(child, [figures[child.pk][k] for k in TABLE_KEYS]) for child in children]
    context = {
        "region": region,
        "ancestors": _crumbs(region, request),
        "day": day,
        "hour": timezone.localtime(cutoff).strftime("%H:%M"),
        "as_of": as_of,
        "groups": figure_groups(values),
        "columns": table_columns(),
        "table": table,
        "totals": [values[k] for k in TABLE_KEYS],
        "error": error,
    }
    return render(request, "reports/indicators.html", context, status=400 if error else 200)
