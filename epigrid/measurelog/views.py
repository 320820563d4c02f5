"""Measures log pages: a unit's log of a day (add on a phone, htmx), one entry with its history
(correct, withdraw), and a region's table of measures by unit and kind over a period.

Every region and entry is read through ``measurelog.selectors`` (404 outside the user's scope); every
write is a ``measurelog.services`` call. Sealed compounds have their own pages (``sealed_views``).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from epigrid.core.access import ScopedRequest, scoped
from epigrid.core.clock import local_today
from epigrid.measurelog.models import ENTRY_KINDS, ENTRY_UNITS, KIND_GROUPS, MeasureEntry
from epigrid.measurelog.selectors import (
    day_entries,
    entry_for_user,
    entry_history,
    measure_table,
    region_for_table,
    unit_for_log,
    unit_log_sums,
)
from epigrid.measurelog.services import (
    BACKDATE_DAYS,
    MeasureInvalid,
    may_change,
    may_log,
    measure_log_add,
    measure_log_correct,
    measure_log_withdraw,
)
from epigrid.regions.models import Level, Region
from epigrid.regions.selectors import region_ancestors, region_roots_for_user
from epigrid.reports.selectors import MAX_PERIOD_DAYS  # a table spans at most two months, as reports' do

DEFAULT_PERIOD_DAYS = 7
TEXT_CAP = 400  # what a form field is read up to; the services refuse anything longer than they keep


def parse_day(raw: str | None, default: dt.date) -> dt.date | None:
    """Read a YYYY-MM-DD parameter; the default when empty, None when malformed."""
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw.strip()[:10])
    except ValueError:
        return None


def crumbs(request: ScopedRequest, region: Region) -> list[Region]:
    return [*region_ancestors(region=region, user=request.user), region]


def kind_groups() -> list[tuple[str, list[tuple[str, str, str]]]]:
    """The kinds for a select, grouped as the seeds' section 二 groups them: (label, [(key, name, unit)])."""
    groups: list[tuple[str, list[tuple[str, str, str]]]] = []
    seen: set[str] = set()
    for _key, label, kinds in KIND_GROUPS:
        members = [(k, str(ENTRY_KINDS[k]), str(ENTRY_UNITS.get(k, ""))) for k in kinds if k in ENTRY_KINDS]
        seen.update(k for k, _name, _unit in members)
        groups.append((str(label), members))
    rest = [(k, str(v), str(ENTRY_UNITS.get(k, ""))) for k, v in ENTRY_KINDS.items() if k not in seen]
    if rest:
        groups.append((_("其他"), rest))
    return groups


def errors_text(exc: MeasureInvalid) -> dict[str, str]:
    return {k: str(v) for k, v in exc.errors.items()}


@scoped
def home(request: ScopedRequest) -> HttpResponse:
    """Send the user to their measures: a village or grid to today's log, a town or HQ to the table."""
    for root in region_roots_for_user(user=request.user):
        if root.level in (Level.DISTRICT, Level.TOWN):
            return redirect("measurelog:table", root.pk)
        if root.level in (Level.VILLAGE, Level.GRID):
            return redirect("measurelog:unit", root.pk)
        if root.level > Level.GRID:
            return redirect("measurelog:unit", root.depth_ids[Level.GRID - 1])
    return render(request, "measurelog/home.html", {})


def _unit_context(
    request: ScopedRequest,
    region: Region,
    day: dt.date,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, object]:
    today = local_today()
    oldest = today - dt.timedelta(days=BACKDATE_DAYS)
    user = request.user
    return {
        "region": region,
        "day": day,
        "today": today,
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1) if day < today else None,
        "sums": unit_log_sums(region, day),
        "entries": day_entries(region, day),
        "can_log": may_log(user, region) and oldest <= day <= today,
        "too_old": day < oldest,
        "kind_groups": kind_groups(),
        # A fresh key per form shown: the same form sent twice logs once (measure_log_add).
        "key": uuid.uuid4().hex,
        "typed": typed or {},
        "errors": errors or {},
        "reports": region.level in (Level.TOWN, Level.VILLAGE),
        "tabled": region.level in (Level.TOWN, Level.VILLAGE),
        "sealing": region.level in (Level.VILLAGE, Level.GRID),
        "grids": list(Region.objects.filter(parent=region).order_by("code"))
        if region.level == Level.VILLAGE
        else [],
    }


@scoped
def unit_page(request: ScopedRequest, region_id: int) -> HttpResponse:
    """Show a unit's measures of a day and add one (the form answers its own fragment under htmx)."""
    region = unit_for_log(user=request.user, region_id=region_id)
    source = request.POST if request.method == "POST" else request.GET
    today = local_today()
    day = parse_day(source.get("day"), today)
    if day is None or day > today:
        messages.error(request, _("日期格式不对或是未来日期，已显示今天。"))
        return redirect("measurelog:unit", region.pk)
    if request.method != "POST":
        context = _unit_context(request, region, day)
        context["ancestors"] = crumbs(request, region)
        return render(request, "measurelog/unit.html", context)
    typed = {name: source.get(name, "")[:TEXT_CAP] for name in ("kind", "count", "note", "place")}
    try:
        logged = measure_log_add(
            actor=request.user,
            region=region,
            day=day,
            kind=typed["kind"],
            count=typed["count"],
            note=typed["note"],
            place=typed["place"],
            idempotency_key=source.get("key", ""),
        )
    except MeasureInvalid as exc:
        context = _unit_context(request, region, day, typed=typed, errors=errors_text(exc))
        if request.htmx:
            # htmx swaps only successful answers: the fragment with its errors comes back as a 200.
            return render(request, "measurelog/unit.html#log", context)
        context["ancestors"] = crumbs(request, region)
        return render(request, "measurelog/unit.html", context, status=400)
    entry = logged.entry
    done = (
        _("已登记：%(kind)s %(count)d%(unit)s。")
        if logged.created
        else _("这条记录已经登记过，没有重复保存：%(kind)s %(count)d%(unit)s。")
    ) % {"kind": entry.kind_label, "count": entry.count, "unit": entry.unit_label}
    if request.htmx:
        context = _unit_context(request, region, day)
        context["done"] = done
        return render(request, "measurelog/unit.html#log", context)
    messages.success(request, done)
    return redirect(f"{reverse('measurelog:unit', args=[region.pk])}?day={day.isoformat()}")


def _entry_context(
    request: ScopedRequest,
    entry: MeasureEntry,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, object]:
    history = entry_history(entry)
    for row in history:
        row.region = entry.region  # every revision is of the same unit
    latest = history[-1]
    author = history[0].recorded_by
    return {
        "entry": entry,
        "latest": latest,
        "history": history,
        "region": entry.region,
        "ancestors": crumbs(request, entry.region),
        "can_change": latest.pk == entry.pk
        and not latest.withdrawn
        and may_change(request.user, latest, author),
        "kind_groups": kind_groups(),
        "typed": typed
        or {"kind": latest.kind, "count": str(latest.count), "note": latest.note, "place": latest.place},
        "errors": errors or {},
    }


@scoped
def entry_page(request: ScopedRequest, measure_id: int) -> HttpResponse:
    """Show one entry with its history; correct it (a new revision) or withdraw it."""
    entry = entry_for_user(user=request.user, entry_id=measure_id)
    if request.method != "POST":
        return render(request, "measurelog/entry.html", _entry_context(request, entry))
    data = request.POST
    back = f"{reverse('measurelog:unit', args=[entry.region_id])}?day={entry.day.isoformat()}"
    typed = {name: data.get(name, "")[:TEXT_CAP] for name in ("kind", "count", "note", "place", "reason")}
    try:
        if data.get("action") == "withdraw":
            measure_log_withdraw(actor=request.user, entry=entry, reason=typed["reason"])
            messages.success(request, _("已撤回，这条记录不再计入统计。"))
            return redirect(back)
        logged = measure_log_correct(
            actor=request.user,
            entry=entry,
            kind=typed["kind"],
            count=typed["count"],
            note=typed["note"],
            place=typed["place"],
        )
    except MeasureInvalid as exc:
        context = _entry_context(request, entry, typed=typed, errors=errors_text(exc))
        return render(request, "measurelog/entry.html", context, status=400)
    if logged.created:
        messages.success(request, _("已更正，原记录已保留。"))
    else:
        messages.info(request, _("内容没有变化，未重复更正。"))
    return redirect(back)


@scoped
def table_page(request: ScopedRequest, region_id: int) -> HttpResponse:
    """The measures of a region's units by kind over a period (default the last 7 days)."""
    region = region_for_table(user=request.user, region_id=region_id)
    today = local_today()
    end = parse_day(request.GET.get("end"), today)
    start = parse_day(request.GET.get("start"), (end or today) - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1))
    error = ""
    if start is None or end is None or end > today or start > end:
        error = _("日期不对（格式、先后或未来日期），已显示最近7天。")
        end, start = today, today - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    elif (end - start).days >= MAX_PERIOD_DAYS:
        error = _("一次最多查看%(n)d天，已从开始日期截取。") % {"n": MAX_PERIOD_DAYS}
        end = start + dt.timedelta(days=MAX_PERIOD_DAYS - 1)
    table = measure_table(region, start, end)
    context = {
        "region": region,
        "ancestors": crumbs(request, region),
        "table": table,
        "rows": [(row, row.cells(table.kinds)) for row in table.rows],
        "totals": table.total.cells(table.kinds),
        "start": start,
        "end": end,
        "drill": region.level < Level.VILLAGE,
        "own_label": _("%(name)s本级") % {"name": region.name},
        "error": error,
    }
    return render(request, "measurelog/table.html", context, status=400 if error else 200)
