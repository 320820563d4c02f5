"""The outside-district handover list (外地人员移交清单) of a transport hub: the travellers it registered
whose destination lies outside the district, grouped by destination, to be sent to the authorities
there (a printed A4 sheet or an xlsx in the official layout).

Who is on it: a traveller registered at the hub with a destination outside the district who came from
or through the outbreak area, had fever, or was explicitly handed over (登记后移交属地). It is an export
of personal data: every read is audited (``READ`` for the page and the API, ``EXPORT`` for the print
and the file), and ID numbers and phones are shown in full only to roles whose capabilities allow it
(``Capabilities.identifiers``), masked for the others — as the department forms do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import IO

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from epigrid.checkpoints.models import Checkpoint, Disposition, HubObservation, PassagePerson
from epigrid.core.audit import audit_log
from epigrid.core.models import AuditEvent, User
from epigrid.lib.idcard import parse_id
from epigrid.privacy.exports import Stamp, export_audit

RANGE_MAX_DAYS = 31  # a month at most on one list


@dataclass(frozen=True)
class OutsideRow:
    person_row_id: int
    name: str
    sex: str
    id_number: str  # as the role may see it
    phone: str
    service_no: str
    origin: str
    destination: str
    key_area: str  # 是 / 否
    temperature: str
    disposition: str
    checked_at: dt.datetime


@dataclass
class OutsideGroup:
    destination: str
    rows: list[OutsideRow] = field(default_factory=list)


@dataclass(frozen=True)
class OutsideList:
    checkpoint: Checkpoint
    start: dt.date
    end: dt.date
    groups: list[OutsideGroup]

    @property
    def count(self) -> int:
        return sum(len(g.rows) for g in self.groups)

    @property
    def unit(self) -> str:
        return self.checkpoint.unit or self.checkpoint.name


def range_error(start: dt.date, end: dt.date) -> str:
    """Why a date range cannot be listed, or ""."""
    if end < start:
        return _("结束日期不能早于开始日期。")
    if (end - start).days >= RANGE_MAX_DAYS:
        return _("一次最多列出31天。")
    return ""


def chinese_date(day: dt.date) -> str:
    """A date as official documents write it: 2026年11月29日."""
    return f"{day.year}年{day.month}月{day.day}日"


def _disposition(row: PassagePerson) -> str:
    label = str(row.get_disposition_display())
    stay: HubObservation | None = getattr(row, "observation", None)
    if row.disposition == Disposition.OBSERVATION and stay is not None:
        if stay.is_open:
            return f"{label}（{_('留观中')}）"
        outcome = str(stay.get_outcome_display())
        if stay.outcome == HubObservation.Outcome.CLINIC and stay.clinic_name:
            outcome = f"{outcome}：{stay.clinic_name}"
        return f"{label}→{outcome}"
    return label


def _sex(id_number: str) -> str:
    if not id_number:
        return ""
    parsed = parse_id(id_number)
    return {"M": _("男"), "F": _("女")}.get(parsed.sex or "", "")


def outside_rows(*, checkpoint: Checkpoint, start: dt.date, end: dt.date) -> QuerySet[PassagePerson]:
    """The travellers on the hub's list for the days ``start`` to ``end`` (see the module docstring)."""
    return (
        PassagePerson.objects.filter(
            passage__checkpoint=checkpoint,
            passage__day__gte=start,
            passage__day__lte=end,
            passage__destination_region__isnull=True,
        )
        .exclude(passage__destination_province="")
        .filter(
            Q(passage__from_outbreak_area=True)
            | Q(passage__via_outbreak_area=True)
            | Q(fever=True)
            | Q(disposition=Disposition.HANDED_OVER)
        )
    )


def outside_handovers(
    *,
    user: User,
    checkpoint: Checkpoint,
    start: dt.date,
    end: dt.date,
    request: HttpRequest | None = None,
    export: Stamp | None = None,
    fmt: str = "",
) -> OutsideList:
    """The hub's outside-district travellers registered from ``start`` to ``end``, grouped by destination
    (sorted by name of the destination, then time); identifiers as the role may see them; audited: a
    reading as READ, an export (``export``: the exporter's stamp, ``fmt``: print or xlsx) as EXPORT with
    its purpose, rows and columns (``privacy.exports``)."""
    rows = list(
        outside_rows(checkpoint=checkpoint, start=start, end=end)
        .select_related("passage", "observation")
        .order_by("passage__destination_province", "passage__destination_city", "passage__checked_at", "seq")
    )
    caps = user.caps
    groups: dict[str, OutsideGroup] = {}
    for row in rows:
        passage = row.passage
        # Grouped by province and city: the authority the list is sent to; the row keeps the address.
        key = f"{passage.destination_province}{passage.destination_city}"
        where = passage.outside_destination
        group = groups.setdefault(key, OutsideGroup(key))
        id_number, phone = caps.identifiers(row.id_number, row.phone)
        group.rows.append(
            OutsideRow(
                person_row_id=row.pk,
                name=row.name,
                sex=_sex(row.id_number),
                id_number=id_number,
                phone=phone,
                service_no=passage.service_no,
                origin=passage.origin,
                destination=where,
                key_area=_("是") if passage.from_outbreak_area or passage.via_outbreak_area else _("否"),
                temperature="" if row.temperature is None else f"{row.temperature}",
                disposition=_disposition(row),
                checked_at=timezone.localtime(passage.checked_at),
            )
        )
    detail = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "persons": [r.person_id for r in rows if r.person_id],
        "full_identifiers": caps.full_id_number,
    }
    if export is not None:
        export_audit(
            actor=user, stamp=export, object_type="outside_handover_list", object_id=checkpoint.pk,
            region_path=checkpoint.region.path, rows=len(rows), columns=COLUMNS,
            filters=("checkpoint", "start", "end"), fmt=fmt, request=request, extra=detail,
        )  # fmt: skip
    elif rows:
        audit_log(
            actor=user,
            action=AuditEvent.Action.READ,
            object_type="outside_handover_list",
            object_id=checkpoint.pk,
            region_path=checkpoint.region.path,
            detail={**detail, "rows": len(rows)},
            request=request,
        )
    return OutsideList(checkpoint, start, end, list(groups.values()))


# The list's columns by field name (what the audit records of an export).
COLUMNS = (
    "seq", "name", "sex", "id_number", "phone", "service_no", "origin", "destination", "key_area",
    "temperature", "disposition",
)  # fmt: skip


def headers() -> list[str]:
    return [
        _("序号"), _("姓名"), _("性别"), _("身份证号"), _("联系电话"), _("车次/航班"), _("出发地"),
        _("目的地"), _("是否来自/途经重点地区"), _("体温"), _("处置"),
    ]  # fmt: skip


def period(listing: OutsideList) -> str:
    if listing.start == listing.end:
        return chinese_date(listing.start)
    return f"{chinese_date(listing.start)}至{chinese_date(listing.end)}"


def outside_xlsx(listing: OutsideList, out: IO[bytes], *, stamp: Stamp) -> int:
    """Write the list as an xlsx sheet in the official layout (title, unit and date, grouped rows, the
    signature lines) through the department forms' writer, the exporter's ``stamp`` in its header and
    footer; return the number of rows."""
    from epigrid.deptforms.export import Sheet, write_sheet

    sheet = Sheet(
        title=_("外地人员移交清单"),
        subtitle=listing.checkpoint.name,
        info=f"{_('填报单位：')}{listing.unit}    {_('日期：')}{period(listing)}",
        lines=[],
        headers=headers(),
        widths=[5, 8, 5, 20, 13, 10, 12, 16, 8, 6, 14],
        # The signature line under the table, where the printed form has it.
        total=[f"{_('填报人：')}", "", "", f"{_('审核人：')}", "", "", f"{_('报送时间：')}", "", "", "", ""],
    )

    def numbered() -> list[tuple[str, list[object]]]:
        out_rows: list[tuple[str, list[object]]] = []
        n = 0
        for group in listing.groups:
            for r in group.rows:
                n += 1
                out_rows.append(
                    (
                        f"{_('目的地：')}{group.destination}（{len(group.rows)}{_('人')}）",
                        [n, r.name, r.sex, r.id_number, r.phone, r.service_no, r.origin, r.destination,
                         r.key_area, r.temperature, r.disposition],
                    )
                )  # fmt: skip
        return out_rows

    return write_sheet(out, sheet, numbered(), stamp=stamp)
