"""Department form pages: the list, a form's preview for a region and day, its export, the builder."""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from epigrid.cases.models import Classification
from epigrid.core.access import ScopedRequest, requires, scoped
from epigrid.core.clock import local_today
from epigrid.deptforms.fields import CHECKPOINT_COLUMNS, FIELDS, GROUP_LABELS, SITE_COLUMNS
from epigrid.deptforms.forms import builder_input, input_from
from epigrid.deptforms.models import Grouping, Kind, RowSource
from epigrid.deptforms.rows import DATE_FIELDS
from epigrid.deptforms.selectors import form_get_for_user, form_revisions, forms_for_user
from epigrid.deptforms.services import (
    FormError,
    FormInput,
    form_define,
    form_export,
    form_preview,
    form_revise,
)
from epigrid.monitoring.models import Episode
from epigrid.privacy.exports import PURPOSE_PARAM, purpose_page
from epigrid.regions.models import Level, Region
from epigrid.regions.selectors import region_get_for_user, region_roots_for_user, regions_for_user
from epigrid.reports.indicators import GROUP_LABELS as INDICATOR_GROUPS
from epigrid.reports.indicators import INDICATORS

REGION_CHOICES_MAX = 500


@scoped
def form_list(request: ScopedRequest) -> HttpResponse:
    """List the forms the user may export; those who define forms get the builder."""
    forms = list(forms_for_user(user=request.user))
    return render(request, "deptforms/form_list.html", {"forms": forms})


def _region_choices(request: ScopedRequest) -> list[Region]:
    """Offer the user's own regions and everything down to villages (a grid worker gets their grid)."""
    roots = [root.pk for root in region_roots_for_user(user=request.user)]
    regions = regions_for_user(user=request.user).filter(Q(level__lte=Level.VILLAGE) | Q(pk__in=roots))
    return list(regions.order_by("path")[:REGION_CHOICES_MAX])


def _region_and_day(request: ScopedRequest) -> tuple[Region | None, dt.date, str]:
    """Read ?region=&date=: a region outside the scope is 404; a bad date is an error message."""
    raw_region = request.GET.get("region", "")
    region: Region | None
    if raw_region.isdigit():
        region = region_get_for_user(user=request.user, region_id=int(raw_region))
    else:
        roots = region_roots_for_user(user=request.user)
        region = roots[0] if roots else None
    raw_day = request.GET.get("date", "")
    try:
        return region, (dt.date.fromisoformat(raw_day) if raw_day else local_today()), ""
    except ValueError:
        return region, local_today(), _("日期格式应为 YYYY-MM-DD")


@scoped
def form_detail(request: ScopedRequest, name: str) -> HttpResponse:
    """Show a form's columns and the first rows it would export for a region and day (masked)."""
    user = request.user
    form = form_get_for_user(user=user, name=name)
    region, day, error = _region_and_day(request)
    preview = None
    if region is not None and not error:
        try:
            preview = form_preview(actor=user, form=form, region=region, day=day, request=request)
        except FormError as exc:
            error = str(exc)
    context = {
        "form": form,
        "region": region,
        "day": day,
        "error": error,
        "preview": preview,
        "regions": _region_choices(request),
        "revisions": form_revisions(form=form),
        "may_define": user.caps.define_forms,
        "may_revise": user.caps.define_forms and not form.builtin,
        "episode_rows": form.row_source == RowSource.EPISODE,
    }
    return render(request, "deptforms/form_detail.html", context, status=400 if error else 200)


@scoped
def form_export_view(request: ScopedRequest, name: str) -> HttpResponseBase:
    """Download the form as xlsx for ?region=&date=&purpose=; a future day or a bad date goes back with the
    reason, a missing or unusable purpose (导出用途) is asked for again."""
    user = request.user
    form = form_get_for_user(user=user, name=name)
    region, day, error = _region_and_day(request)
    if region is None:
        error = error or _("您还没有分配工作区域，请联系上级设置。")
    if error or region is None:
        messages.error(request, error)
        return redirect("deptforms:detail", form.name)
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # FileResponse closes it
    try:
        result = form_export(
            actor=user, form=form, region=region, day=day, out=out, request=request,
            purpose=request.GET.get(PURPOSE_PARAM, ""),
        )  # fmt: skip
    except FormError as exc:
        out.close()
        if "purpose" in exc.errors:  # asked again, with the reason; nothing was exported
            return purpose_page(request, "；".join(exc.errors["purpose"]), title=form.title)
        messages.error(request, str(exc))
        return redirect("deptforms:detail", form.name)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=result.file_name)


@dataclass(frozen=True)
class ColumnChoice:
    key: str
    label: str
    group: str
    checked: bool
    order: str
    custom: str


def _choices(options: list[tuple[str, str, str]], data: FormInput | None) -> list[ColumnChoice]:
    chosen = data.columns if data is not None else []
    labels = data.labels if data is not None else {}
    result = []
    for key, label, group in options:
        on = key in chosen
        custom = labels.get(key, "")
        result.append(
            ColumnChoice(
                key,
                label,
                group,
                on,
                str(chosen.index(key) + 1) if on else "",
                custom if custom != label else "",
            )
        )
    return result


def _builder_context(data: FormInput | None, errors: dict[str, list[str]], **extra: Any) -> dict[str, Any]:
    people = [(f.key, str(f.label), str(GROUP_LABELS[f.group])) for f in FIELDS]
    people += [(k, str(label), _("卡口登记（仅用于卡口登记表）")) for k, label in CHECKPOINT_COLUMNS.items()]
    figures = [(k, str(i.label), str(INDICATOR_GROUPS.get(i.group, ""))) for k, i in INDICATORS.items()]
    figures += [(k, str(label), _("集中隔离点（仅用于按隔离点分组）")) for k, label in SITE_COLUMNS.items()]
    filters = data.filters if data is not None else {}
    return {
        "data": data,
        "errors": errors,
        "people_columns": _choices(people, data if data and data.kind == Kind.PEOPLE else None),
        "figure_columns": _choices(figures, data if data and data.kind == Kind.FIGURES else None),
        "kinds": Kind.choices,
        "row_sources": RowSource.choices,
        "groupings": Grouping.choices,
        "classifications": Classification.choices,
        "episode_kinds": Episode.Kind.choices,
        "date_fields": [(k, str(label)) for k, label in _date_field_labels().items()],
        "header_choices": [(k, str(i.label)) for k, i in INDICATORS.items()],
        "filters": filters,
        **extra,
    }


def _date_field_labels() -> dict[str, str]:
    from epigrid.deptforms.fields import CATALOGUE

    return {key: str(CATALOGUE[key].label) for key in DATE_FIELDS}


@scoped
@requires("define_forms")
def form_new(request: ScopedRequest) -> HttpResponse:
    """Define a new form (or copy one with ?from=NAME) for the user's top region."""
    user = request.user
    roots = region_roots_for_user(user=user)
    if request.method == "POST":
        data = builder_input(request.POST)
        raw = request.POST.get("region", "")
        if not raw.isdigit() and not roots:
            raise Http404  # no region assigned: nothing to define a form for
        region = region_get_for_user(user=user, region_id=int(raw) if raw.isdigit() else roots[0].pk)
        try:
            form = form_define(actor=user, region=region, data=data, request=request)
        except FormError as exc:
            context = _builder_context(data, exc.errors, roots=roots, creating=True)
            return render(request, "deptforms/form_builder.html", context, status=400)
        messages.success(request, _("表格已保存（第 %(v)s 版）") % {"v": form.version})
        return redirect("deptforms:detail", form.name)
    source = request.GET.get("from", "")
    copied = input_from(form_get_for_user(user=user, name=source)) if source else None
    return render(
        request, "deptforms/form_builder.html", _builder_context(copied, {}, roots=roots, creating=True)
    )


@scoped
@requires("define_forms")
def form_edit(request: ScopedRequest, name: str) -> HttpResponse:
    """Revise a defined form: a new version; exports name the version they used."""
    user = request.user
    form = form_get_for_user(user=user, name=name)
    if request.method == "POST":
        data = builder_input(request.POST, name=form.name)
        try:
            form = form_revise(actor=user, form=form, data=data, request=request)
        except FormError as exc:
            context = _builder_context(data, exc.errors, form=form, creating=False)
            return render(request, "deptforms/form_builder.html", context, status=400)
        messages.success(request, _("表格已保存（第 %(v)s 版）") % {"v": form.version})
        return redirect("deptforms:detail", form.name)
    if form.builtin:
        messages.error(request, _("内置表格不能修改，请复制为新表格后修改"))
        return redirect("deptforms:detail", form.name)
    context = _builder_context(input_from(form, name=form.name), {}, form=form, creating=False)
    return render(request, "deptforms/form_builder.html", context)
