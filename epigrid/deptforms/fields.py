"""The catalogue of person fields a people form may show, each read from one row's linked records.

A field is a key, a Chinese label, the group it belongs to (person, journey, screening, observation,
case, contact) and a getter over ``RowData``. Nothing else can reach a form: a defined form names keys
of this catalogue, so no one can put an arbitrary model field (or a password hash) into an export.
ID numbers and phones are marked ``identifier``: ``export`` masks them unless both the form and the
role need them in full.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from epigrid.cases.models import CaseStatus, Contact
from epigrid.monitoring.models import Episode
from epigrid.people.models import Measure, Person, ScreeningEntry, Symptom, TravelRecord

ID_NUMBER = "id_number"
PHONE = "phone"


@dataclass
class RowData:
    """One row of a people form: the person and the records linked to them as of the form's day."""

    person: Person
    day: dt.date
    journey: TravelRecord | None = None
    episode: Episode | None = None
    case: CaseStatus | None = None
    contact: Contact | None = None
    entry: ScreeningEntry | None = None  # the person's latest door-to-door entry
    grid_workers: list[str] = field(default_factory=list)
    case_name: str = ""  # the contact's case, as the role may see the name


@dataclass(frozen=True)
class FieldDef:
    key: str
    label: StrOrPromise
    group: str
    get: Callable[[RowData], object]
    width: int = 10  # a floor for the column width, in Latin characters
    identifier: str = ""  # ID_NUMBER or PHONE: masked unless form and role need it


class Group:
    PERSON = "person"
    JOURNEY = "journey"
    SCREENING = "screening"
    EPISODE = "episode"
    CASE = "case"
    CONTACT = "contact"


GROUP_LABELS: dict[str, StrOrPromise] = {
    Group.PERSON: _("人员"),
    Group.JOURNEY: _("返乡行程"),
    Group.SCREENING: _("入户摸排"),
    Group.EPISODE: _("医学观察"),
    Group.CASE: _("病例分类"),
    Group.CONTACT: _("密切接触"),
}


def _day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _age(row: RowData) -> object:
    birth = row.person.birth_date
    if birth is None:
        return ""
    return row.day.year - birth.year - ((row.day.month, row.day.day) < (birth.month, birth.day))


def _outbreak(row: RowData) -> str:
    journey = row.journey
    if journey is None:
        return ""
    if journey.from_outbreak_area:
        return str(_("来自疫区"))
    if journey.via_outbreak_area:
        return str(_("途经疫区"))
    return str(_("否"))


def _symptoms(row: RowData) -> str:
    if row.entry is None:
        return ""
    chosen = set(row.entry.symptoms)
    names = [str(label) for value, label in Symptom.choices if value in chosen]
    return "、".join(names) or str(_("无"))


def _measures(row: RowData) -> str:
    if row.entry is None:
        return ""
    chosen = set(row.entry.screening.measures)
    return "、".join(str(label) for value, label in Measure.choices if value in chosen)


def _screened_by(row: RowData) -> str:
    user = row.entry.screening.visited_by if row.entry is not None else None
    return str(user) if user is not None else ""


def _episode_place(row: RowData) -> str:
    episode = row.episode
    if episode is None:
        return ""
    if episode.room is not None:
        return f"{episode.room.site.name} {episode.room.number}"
    return str(episode.get_kind_display())


def _released(row: RowData) -> str:
    episode = row.episode
    if episode is None or episode.ended_at is None:
        return ""
    return _day(episode.ended_at.date())


def _cadre_phone(row: RowData) -> str:
    cadre = row.person.cadre
    return cadre.phone if cadre is not None else ""


def _place(row: RowData, attribute: str) -> str:
    region = getattr(row.person, attribute)
    return region.name if region is not None else ""


def _address(row: RowData) -> str:
    household = row.person.household
    return household.address if household is not None else ""


def _episode_attr(attribute: str) -> Callable[[RowData], object]:
    def get(row: RowData) -> object:
        return getattr(row.episode, attribute) if row.episode is not None else ""

    return get


def _journey_attr(attribute: str) -> Callable[[RowData], object]:
    def get(row: RowData) -> object:
        return getattr(row.journey, attribute) if row.journey is not None else ""

    return get


def _display(obj_attr: str, method: str) -> Callable[[RowData], object]:
    def get(row: RowData) -> object:
        obj = getattr(row, obj_attr)
        return getattr(obj, method)() if obj is not None else ""

    return get


_P, _J, _S, _E, _C, _K = (
    Group.PERSON,
    Group.JOURNEY,
    Group.SCREENING,
    Group.EPISODE,
    Group.CASE,
    Group.CONTACT,
)

FIELDS: tuple[FieldDef, ...] = (
    FieldDef("name", _("姓名"), _P, lambda r: r.person.name, 8),
    FieldDef("sex", _("性别"), _P, lambda r: r.person.get_sex_display(), 4),
    FieldDef("age", _("年龄"), _P, _age, 4),
    FieldDef("doc_type", _("证件类型"), _P, lambda r: r.person.get_doc_type_display(), 10),
    FieldDef("id_number", _("身份证号"), _P, lambda r: r.person.id_number, 20, identifier=ID_NUMBER),
    FieldDef("phone", _("联系电话"), _P, lambda r: r.person.phone, 13, identifier=PHONE),
    FieldDef("address", _("现住址"), _P, _address, 24),
    FieldDef("town", _("镇/街道"), _P, lambda r: _place(r, "town"), 10),
    FieldDef("village", _("村/社区"), _P, lambda r: _place(r, "village"), 10),
    FieldDef("grid", _("网格"), _P, lambda r: _place(r, "grid"), 12),
    FieldDef("relation", _("与户主关系"), _P, lambda r: r.person.relation, 6),
    FieldDef("residency", _("居住类型"), _P, lambda r: r.person.get_residency_display(), 6),
    FieldDef("source", _("来源"), _P, lambda r: r.person.get_source_display(), 6),
    FieldDef("cadre", _("包保人"), _P, lambda r: str(r.person.cadre or ""), 8),
    FieldDef("cadre_phone", _("包保人电话"), _P, _cadre_phone, 13),
    FieldDef("grid_worker", _("网格员"), _P, lambda r: "、".join(r.grid_workers), 10),
    FieldDef("origin", _("从何地返回"), _J, _journey_attr("origin"), 14),
    FieldDef("outbreak", _("是否来自/途经疫区"), _J, _outbreak, 10),
    FieldDef("left_on", _("离开日期"), _J, lambda r: _day(r.journey.left_on if r.journey else None), 11),
    FieldDef(
        "arrived_on", _("返回日期"), _J, lambda r: _day(r.journey.arrived_on if r.journey else None), 11
    ),
    FieldDef("transport", _("交通工具"), _J, _display("journey", "get_transport_display"), 8),
    FieldDef("transport_no", _("车次/航班/车牌"), _J, _journey_attr("transport_no"), 12),
    FieldDef("companions", _("同行人员"), _J, _journey_attr("companions"), 14),
    FieldDef("temperature", _("体温"), _S, lambda r: str(r.entry.temperature or "") if r.entry else "", 6),
    FieldDef("symptoms", _("症状"), _S, _symptoms, 10),
    FieldDef("measures", _("采取措施"), _S, _measures, 16),
    FieldDef(
        "registered_at",
        _("登记时间"),
        _S,
        lambda r: _day(r.entry.screening.visited_at if r.entry else None),
        16,
    ),
    FieldDef("screened_by", _("排查人"), _S, _screened_by, 8),
    FieldDef("episode_kind", _("观察方式"), _E, _display("episode", "get_kind_display"), 12),
    FieldDef("episode_basis", _("原因"), _E, _display("episode", "get_basis_display"), 12),
    FieldDef("episode_place", _("管理地点"), _E, _episode_place, 14),
    FieldDef(
        "last_exposure",
        _("末次暴露日期"),
        _E,
        lambda r: _day(r.episode.last_exposure if r.episode else None),
        11,
    ),
    FieldDef(
        "obs_start", _("观察开始日期"), _E, lambda r: _day(r.episode.started_on if r.episode else None), 11
    ),
    FieldDef(
        "obs_end", _("观察结束日期"), _E, lambda r: _day(r.episode.planned_end if r.episode else None), 11
    ),
    FieldDef("released_on", _("解除日期"), _E, _released, 11),
    FieldDef("episode_status", _("观察状态"), _E, _display("episode", "get_status_display"), 8),
    FieldDef("doctor", _("责任医生"), _E, _episode_attr("doctor"), 8),
    FieldDef("classification", _("分类"), _C, _display("case", "get_classification_display"), 10),
    FieldDef("onset_date", _("发病日期"), _C, lambda r: _day(r.case.onset_date if r.case else None), 11),
    FieldDef("reported_on", _("报告日期"), _C, lambda r: _day(r.case.reported_on if r.case else None), 11),
    FieldDef(
        "imported",
        _("输入病例"),
        _C,
        lambda r: "" if r.case is None else str(_("是") if r.case.imported else _("否")),
        6,
    ),
    FieldDef("contact_case", _("关联病例"), _K, lambda r: r.case_name, 8),
    FieldDef("contact_setting", _("接触方式"), _K, _display("contact", "get_setting_display"), 10),
    FieldDef(
        "contact_last",
        _("末次接触日期"),
        _K,
        lambda r: _day(r.contact.last_exposure if r.contact else None),
        11,
    ),
    FieldDef(
        "contact_determined",
        _("判定日期"),
        _K,
        lambda r: _day(r.contact.created_at.date() if r.contact else None),
        11,
    ),
)

CATALOGUE: dict[str, FieldDef] = {f.key: f for f in FIELDS}

# The columns a checkpoint log carries (DOMAIN.md, 卡口登记表): one row per stop at a barrier, the driver's
# identifiers (``deptforms.rows.checkpoint_rows``); accepted only for that row source.
CHECKPOINT_COLUMNS: dict[str, StrOrPromise] = {
    "checked_at": _("检查时间"),
    "checkpoint": _("卡口"),
    "plate": _("车牌号"),
    "vehicle_type": _("车辆类型"),
    "driver": _("驾驶员"),
    "cp_id_number": _("身份证号"),
    "cp_phone": _("手机号"),
    "passengers": _("乘车人数"),
    "departure": _("出发地"),
    "destination": _("目的地"),
    "purpose": _("事由"),
    "from_key_area": _("是否来自重点地区"),
    "cp_temperature": _("体温"),
    "disposition": _("处置"),
    "local_contact": _("本地联系人"),
    "inspector": _("检查人员"),
}


def label_of(key: str) -> str:
    """Return the default label of a person-field key ("" when unknown)."""
    if key in CATALOGUE:
        return str(CATALOGUE[key].label)
    return str(CHECKPOINT_COLUMNS.get(key, ""))


# The columns of the observation-site table (a figures form grouped by site, DOMAIN.md 隔离点表).
SITE_COLUMNS: dict[str, StrOrPromise] = {
    "rooms": _("房间数"),
    "occupied": _("使用人数"),
    "occupied_outbreak": _("其中湖北返回"),
    "free_rooms": _("空余房间"),
}
