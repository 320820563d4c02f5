"""Daily reports: indicators of a region as of a cut-off, unit reports (list, submit, revisions), and
the completeness and timeliness of the units reporting to a town or the district.

The same selectors and service as the pages: regions are looked up in the caller's scope (404
otherwise), a submission goes through ``reports.services.unit_report_submit`` (a refusal is a 422
naming each field, a role that does not report is a 403). Reports and indicators hold counts only.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status
from ninja.errors import HttpError

from epigrid.api.common import ApiRouter, PathId, actor, body_errors, query_error
from epigrid.core.clock import local_today, now
from epigrid.regions.models import Level
from epigrid.reports.indicators import INDICATORS, indicator_table, indicator_values, report_cutoff
from epigrid.reports.models import MEASURE_KINDS, UnitReport
from epigrid.reports.selectors import (
    MAX_PERIOD_DAYS,
    completeness,
    region_children,
    region_for_user,
    report_for_user,
    report_revisions,
    unit_for_user,
    unit_reports,
    unit_reports_below,
)
from epigrid.reports.services import ReportForbidden, ReportInvalid, unit_report_submit

router = ApiRouter(tags=["reports"])


class IndicatorsQuery(Schema):
    region_id: int = Field(description="a district, town, village or grid in the caller's scope")
    day: dt.date | None = Field(None, description="report day (default today); figures as of its cut-off")
    at: dt.datetime | None = Field(None, description="an exact cut-off instead of the day's")
    children: bool = Field(False, description="also the figures of each region directly below")
    keys: str = Field("", description="comma-separated indicator keys (default all)")


class IndicatorOut(Schema):
    key: str
    label: str
    unit: str
    group: str
    value: int


class ChildFiguresOut(Schema):
    region_id: int
    code: str
    name: str
    figures: dict[str, int]


class IndicatorsOut(Schema):
    region_id: int
    as_of: dt.datetime
    indicators: list[IndicatorOut]
    children: list[ChildFiguresOut]


class ReportOut(Schema):
    id: int
    region_id: int
    region_name: str
    day: dt.date
    zero: bool
    late: bool
    revision: int
    current: bool
    replaced_by_id: int | None
    submitted_by: str
    submitted_at: dt.datetime
    figures: dict[str, int]
    measures: dict[str, int]
    problems: str
    suggestions: str


class ReportIn(Schema):
    region_id: int = Field(description="a town/street or village/community in the caller's scope")
    day: dt.date
    zero: bool = Field(False, description="零报告: nothing happened; no measures, problems or suggestions")
    measures: dict[str, int | str] = Field(
        default_factory=dict, description=f"counts per kind: {', '.join(MEASURE_KINDS)}"
    )
    problems: str = ""
    suggestions: str = ""


class ReportsQuery(Schema):
    region_id: int = Field(description="a town or village: its own reports; see /reports/below")
    start: dt.date | None = Field(None, description="default 14 days before end")
    end: dt.date | None = Field(None, description="default today")


class BelowQuery(Schema):
    region_id: int = Field(description="the district (its towns' reports) or a town (its villages')")
    day: dt.date | None = Field(None, description="default today")


class CompletenessQuery(Schema):
    region_id: int = Field(description="the district (its towns) or a town (its villages)")
    start: dt.date | None = Field(None, description="default 6 days before end")
    end: dt.date | None = Field(None, description="default today")


class CellOut(Schema):
    day: dt.date
    status: str = Field(description="on_time, late, missing or pending (deadline not passed)")
    report_id: int | None
    zero: bool


class UnitCompletenessOut(Schema):
    region_id: int
    name: str
    on_time: int
    late: int
    missing: int
    completeness: float | None
    timeliness: float | None
    days: list[CellOut]


class CompletenessOut(Schema):
    region_id: int
    start: dt.date
    end: dt.date
    on_time: int
    late: int
    missing: int
    completeness: float | None = Field(description="reports received / reports due")
    timeliness: float | None = Field(description="reports on time / reports due")
    units: list[UnitCompletenessOut]


def _report_out(report: UnitReport) -> ReportOut:
    return ReportOut(
        id=report.pk,
        region_id=report.region_id,
        region_name=report.region.name,
        day=report.day,
        zero=report.zero,
        late=report.late,
        revision=report.revision,
        current=report.current,
        replaced_by_id=report.replaced_by_id,
        submitted_by=str(report.submitted_by),
        submitted_at=report.submitted_at,
        figures={str(k): int(v) for k, v in report.figures.items()},
        measures={str(k): int(v) for k, v in report.measures.items()},
        problems=report.problems,
        suggestions=report.suggestions,
    )


def _not_future(day: dt.date) -> None:
    if day > local_today():
        raise query_error("day", _("不能填报未来日期的报告"))


@router.get("/indicators", response=IndicatorsOut)
def indicators(request: HttpRequest, query: Query[IndicatorsQuery]) -> IndicatorsOut:
    """The figures of a region's subtree as of a cut-off, each computed from individual records."""
    user = actor(request)
    region = region_for_user(user=user, region_id=query.region_id)
    keys = [k.strip() for k in query.keys.split(",") if k.strip()] or None
    unknown = sorted(set(keys or ()) - INDICATORS.keys())
    if unknown:
        raise query_error("keys", _("未知的指标：%(keys)s") % {"keys": ", ".join(unknown)})
    if query.at is not None:
        cutoff = query.at if timezone.is_aware(query.at) else timezone.make_aware(query.at)
    else:
        day = query.day or local_today()
        _not_future(day)
        cutoff = report_cutoff(day)
    as_of = min(cutoff, now())
    values = indicator_values(region, as_of, keys)
    children: list[ChildFiguresOut] = []
    if query.children and region.level < Level.GRID:
        below = region_children(region)
        table = indicator_table(below, as_of, keys)
        children = [
            ChildFiguresOut(region_id=r.pk, code=r.code, name=r.name, figures=table[r.pk]) for r in below
        ]
    return IndicatorsOut(
        region_id=region.pk,
        as_of=as_of,
        indicators=[
            IndicatorOut(
                key=key,
                label=str(INDICATORS[key].label),
                unit=_(INDICATORS[key].unit),
                group=INDICATORS[key].group,
                value=value,
            )
            for key, value in values.items()
        ],
        children=children,
    )


@router.get("/reports", response=list[ReportOut])
def reports_of_unit(request: HttpRequest, query: Query[ReportsQuery]) -> list[ReportOut]:
    """A unit's current reports over a period (at most 62 days), newest day first."""
    user = actor(request)
    region = unit_for_user(user=user, region_id=query.region_id)
    end = query.end or local_today()
    start = query.start or end - dt.timedelta(days=13)
    if start > end or (end - start).days >= MAX_PERIOD_DAYS:
        raise query_error(
            "start", _("日期范围不对：开始不能晚于结束，且最多%(n)d天") % {"n": MAX_PERIOD_DAYS}
        )
    return [_report_out(r) for r in unit_reports(region, start, end)]


@router.get("/reports/below", response=list[ReportOut])
def reports_below(request: HttpRequest, query: Query[BelowQuery]) -> list[ReportOut]:
    """The current reports of a day of the units reporting to the district or a town, by code."""
    user = actor(request)
    region = region_for_user(user=user, region_id=query.region_id)
    return [_report_out(r) for r in unit_reports_below(region, query.day or local_today())]


@router.post("/reports", response={200: ReportOut, 201: ReportOut})
def report_submit(request: HttpRequest, payload: ReportIn) -> Status[ReportOut]:
    """Submit a unit's report of a day: 201 a new report or revision, 200 the same content again."""
    user = actor(request)
    region = unit_for_user(user=user, region_id=payload.region_id)
    try:
        submission = unit_report_submit(
            actor=user,
            region=region,
            day=payload.day,
            zero=payload.zero,
            measures=payload.measures,
            problems=payload.problems,
            suggestions=payload.suggestions,
        )
    except ReportForbidden:
        raise HttpError(403, _("您的角色无权执行此操作")) from None
    except ReportInvalid as exc:
        raise body_errors(exc.errors) from None
    report = submission.report
    report.region = region
    return Status(201 if submission.created else 200, _report_out(report))


@router.get("/reports/{int:report_id}", response=ReportOut)
def report_detail(request: HttpRequest, report_id: PathId) -> ReportOut:
    """One submission (any revision) of a unit in the caller's scope."""
    return _report_out(report_for_user(user=actor(request), report_id=report_id))


@router.get("/reports/{int:report_id}/revisions", response=list[ReportOut])
def report_history(request: HttpRequest, report_id: PathId) -> list[ReportOut]:
    """Every submission of that unit and day, newest revision first."""
    report = report_for_user(user=actor(request), report_id=report_id)
    return [_report_out(r) for r in report_revisions(report.region, report.day)]


@router.get("/completeness", response=CompletenessOut)
def completeness_of(request: HttpRequest, query: Query[CompletenessQuery]) -> CompletenessOut:
    """Per unit and day: on time, late, missing or pending; completeness and timeliness rates."""
    user = actor(request)
    region = region_for_user(user=user, region_id=query.region_id)
    if region.level not in (Level.DISTRICT, Level.TOWN):
        raise query_error("region_id", _("只有区和镇（街道）有下级报告单位"))
    end = query.end or local_today()
    start = query.start or end - dt.timedelta(days=6)
    if start > end or (end - start).days >= MAX_PERIOD_DAYS:
        raise query_error(
            "start", _("日期范围不对：开始不能晚于结束，且最多%(n)d天") % {"n": MAX_PERIOD_DAYS}
        )
    table = completeness(region, start, end)
    return CompletenessOut(
        region_id=region.pk,
        start=start,
        end=end,
        on_time=table.on_time,
        late=table.late,
        missing=table.missing,
        completeness=table.completeness,
        timeliness=table.timeliness,
        units=[
            UnitCompletenessOut(
                region_id=row.region.pk,
                name=row.region.name,
                on_time=row.on_time,
                late=row.late,
                missing=row.missing,
                completeness=row.completeness,
                timeliness=row.timeliness,
                days=[
                    CellOut(day=c.day, status=c.status, report_id=c.report_id, zero=c.zero) for c in row.cells
                ],
            )
            for row in table.rows
        ],
    )
