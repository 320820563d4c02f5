"""Submit a unit's daily report (日报告/零报告): figures computed, measures and words from people.

One current report per unit and day. A second submission with different content is a revision: the
old row stays and points at the new one. The same content submitted twice (a double tap, a resend on
a bad connection) returns the current report and writes nothing. A report after the deadline
(``selectors.report_deadline``: the cut-off plus ``EPIGRID_REPORT_GRACE_MINUTES``) is accepted and
marked late; a revision keeps the timeliness of the unit's first submission that day (the unit
reported in time, and corrected it later; or it reported late, and a correction does not undo that).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, User
from epigrid.core.roles import Role
from epigrid.regions.models import Region
from epigrid.regions.scope import scope_for
from epigrid.reports.indicators import indicator_values, report_cutoff
from epigrid.reports.models import MEASURE_KINDS, UnitReport
from epigrid.reports.selectors import UNIT_LEVELS, report_deadline

# Who writes a unit's report: its own leader, the town for its villages and itself, the HQ for any.
REPORTING_ROLES = frozenset({Role.VILLAGE_LEADER, Role.TOWN_OFFICER, Role.DISTRICT_HQ})
TEXT_MAX = 4000
MEASURE_MAX = 1_000_000

FUTURE_DAY = _("不能填报未来日期的报告")
NOT_A_UNIT = _("只有镇（街道）和村（社区）填报日报告")
MAY_NOT_REPORT = _("您的角色不能填报日报告")
NOT_A_NUMBER = _("请填写整数")
NEGATIVE = _("不能为负数")
TOO_LARGE = _("数值过大")
UNKNOWN_MEASURE = _("未知的措施类型")
TOO_LONG = _("内容过长（最多4000字）")
ZERO_WITH_CONTENT = _("零报告不填写措施、问题和建议")


class ReportInvalid(Exception):
    """The submission was refused; ``errors`` maps each field ("measures.leaflets", "day") to why."""

    def __init__(self, errors: dict[str, StrOrPromise]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class ReportForbidden(Exception):
    """The user's role may not submit reports (the region itself is in scope)."""


@dataclass(frozen=True)
class Submission:
    report: UnitReport
    created: bool  # False: the same content was already the current report


def may_report(user: User) -> bool:
    """Tell whether the user's role submits daily reports."""
    return user.role in REPORTING_ROLES and user.caps.can_write


def parse_measures(raw: Mapping[str, object]) -> tuple[dict[str, int], dict[str, StrOrPromise]]:
    """Read measure counts (blank = 0); return the non-zero ones and the errors keyed "measures.<kind>"."""
    counts: dict[str, int] = {}
    errors: dict[str, StrOrPromise] = {}
    for kind, value in raw.items():
        name = f"measures.{kind}"
        if kind not in MEASURE_KINDS:
            errors[name] = UNKNOWN_MEASURE
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, bool):
            errors[name] = NOT_A_NUMBER
            continue
        if isinstance(value, int):
            number = value
        else:
            text = str(value).strip()
            if not text.lstrip("-").isdigit():
                errors[name] = NOT_A_NUMBER
                continue
            number = int(text)
        if number < 0:
            errors[name] = NEGATIVE
        elif number > MEASURE_MAX:
            errors[name] = TOO_LARGE
        elif number:
            counts[kind] = number
    return {k: counts[k] for k in MEASURE_KINDS if k in counts}, errors


def _figures_moment(day: dt.date, moment: dt.datetime) -> dt.datetime:
    """Figures are taken at the cut-off, or at the moment of submission when that comes first."""
    return min(report_cutoff(day), moment)


def _same(report: UnitReport, zero: bool, measures: dict[str, int], problems: str, suggestions: str) -> bool:
    return (
        report.zero == zero
        and report.measures == measures
        and report.problems == problems
        and report.suggestions == suggestions
    )


def unit_report_submit(
    *,
    actor: User,
    region: Region,
    day: dt.date,
    zero: bool = False,
    measures: Mapping[str, object] | None = None,
    problems: str = "",
    suggestions: str = "",
    moment: dt.datetime | None = None,
    figures: Mapping[str, int] | None = None,
) -> Submission:
    """Submit ``region``'s report of ``day``; a revision if one exists, nothing if it is the same.

    ``figures``: the unit's indicators already computed for this moment by a bulk loader (the demo
    computes a whole level's in one ``indicator_table`` pass); computed here when None.

    Raises Http404 for a region outside the actor's scope, ``ReportForbidden`` for a role that does not
    report, ``ReportInvalid`` with every field's problem at once.
    """
    if not scope_for(actor).contains(region):
        raise Http404
    if not may_report(actor):
        raise ReportForbidden(str(MAY_NOT_REPORT))
    moment = moment or now()
    errors: dict[str, StrOrPromise] = {}
    if region.level not in UNIT_LEVELS:
        errors["region"] = NOT_A_UNIT
    if day > timezone.localdate(moment):
        errors["day"] = FUTURE_DAY
    counts, measure_errors = parse_measures(measures or {})
    errors.update(measure_errors)
    problems, suggestions = problems.strip(), suggestions.strip()
    for name, text in (("problems", problems), ("suggestions", suggestions)):
        if len(text) > TEXT_MAX:
            errors[name] = TOO_LONG
    if zero and (counts or problems or suggestions):
        errors["zero"] = ZERO_WITH_CONTENT
    if errors:
        raise ReportInvalid(errors)
    try:
        return _write(actor, region, day, zero, counts, problems, suggestions, moment, figures)
    except IntegrityError:
        # Another request wrote this unit's report between our read and our insert: if it carried the
        # same content it is ours (a double submit racing itself); otherwise revise on top of it.
        return _write(actor, region, day, zero, counts, problems, suggestions, moment, figures)


def _write(
    actor: User,
    region: Region,
    day: dt.date,
    zero: bool,
    measures: dict[str, int],
    problems: str,
    suggestions: str,
    moment: dt.datetime,
    figures: Mapping[str, int] | None,
) -> Submission:
    with transaction.atomic():
        current = (
            UnitReport.objects.select_for_update()
            .filter(region=region, day=day, replaced_by__isnull=True)
            .first()
        )
        if current is not None and _same(current, zero, measures, problems, suggestions):
            return Submission(current, created=False)
        if figures is None:
            figures = indicator_values(region, _figures_moment(day, moment))
        late = current.late if current is not None else moment > report_deadline(day)
        if current is not None:
            # Retire the current row first (it points at itself for an instant, as health checks do):
            # the partial unique constraint allows one current row per unit and day.
            table = connection.ops.quote_name(UnitReport._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET replaced_by_id = id WHERE id = %s",  # noqa: S608 (our table)
                    [current.pk],
                )
        report = UnitReport.objects.create(
            region=region,
            day=day,
            zero=zero,
            figures=dict(figures),
            measures=measures,
            problems=problems,
            suggestions=suggestions,
            submitted_by=actor,
            submitted_at=moment,
            late=late,
            revision=current.revision + 1 if current else 1,
        )
        if current is not None:
            UnitReport.objects.filter(pk=current.pk).update(replaced_by=report)
        audit_log(
            actor=actor,
            action=AuditEvent.Action.UPDATE if current else AuditEvent.Action.CREATE,
            object_type="unit_report",
            object_id=report.pk,
            region_path=region.path,
            detail={
                "day": day.isoformat(),
                "revision": report.revision,
                "zero": zero,
                "late": late,
                "replaces": current.pk if current else None,
                "measures": sorted(measures),
            },
        )
    return Submission(report, created=True)
