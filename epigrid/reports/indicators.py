"""The figures of the daily report, each defined once, computed from individual records as of a cut-off.

Seed report 1 writes "截止1月28日18:00": every figure here is what the records said at the cut-off
(``report_cutoff``) for a region's subtree — a classification changed later is read from its history,
an episode released later still counts as open, a journey or a list received later is left out.
"Today" figures (new, released) cover the report period: after the last cut-off before this one up
to it; the checks are those of the cut-off's day. Rows are grouped on the chain column of the
region's level (``village_id`` …), so a figure costs one grouped query whatever the region's size,
and a town's table of its villages (``indicator_table``) costs the same queries as one village.
Merged records are left out everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_stubs_ext import StrOrPromise

from epigrid.cases.models import CaseStatus, Classification, ClassificationChange
from epigrid.cases.transitions import FOUR_CATEGORIES
from epigrid.checkpoints.selectors import passage_figures
from epigrid.clues.models import Clue, ClueKind
from epigrid.lists.counts import returnees_by_unit
from epigrid.monitoring.models import Episode, HealthCheck, Policy
from epigrid.monitoring.policy import slot_deadline, slots
from epigrid.people.models import Person, Screening, ScreeningEntry
from epigrid.regions.models import LEVEL_FIELD, Level, Region
from epigrid.resources.selectors import supply_warnings
from epigrid.triage.models import FeverVisit


@dataclass(frozen=True)
class Indicator:
    key: str
    label: StrOrPromise  # Chinese msgid
    unit: str  # 人, 例, 户, 批, 次
    group: str  # cases, observation, today, returnees, lists, screening, checks


GROUP_LABELS: dict[str, StrOrPromise] = {
    "cases": _("病例与四类人员"),
    "observation": _("医学观察"),
    "today": _("当日新增"),
    "returnees": _("返乡人员"),
    "lists": _("部门名单"),
    "screening": _("入户摸排"),
    "checks": _("体温监测"),
    "checkpoints": _("卡口检查"),
    "supplies": _("防护物资"),
    "clues": _("线索与谣言"),
}


def _i(key: str, label: StrOrPromise, unit: str, group: str) -> tuple[str, Indicator]:
    return key, Indicator(key, label, unit, group)


# The measure words, marked for the catalogue; ``Indicator.unit`` keeps the Chinese msgid.
UNITS = (
    gettext_noop("人"), gettext_noop("例"), gettext_noop("户"), gettext_noop("批"), gettext_noop("人次"),
    gettext_noop("辆"), gettext_noop("项"), gettext_noop("条"),
)  # fmt: skip


# Display order. The unit strings are Chinese measure words; the pages translate them with the label.
INDICATORS: dict[str, Indicator] = dict(
    [
        _i("confirmed", _("确诊病例（含临床诊断）"), "例", "cases"),
        _i("clinical", _("其中临床诊断病例"), "例", "cases"),
        _i("suspected", _("疑似病例"), "例", "cases"),
        _i("asymptomatic", _("无症状感染者"), "例", "cases"),
        _i("fever_hospital", _("医院发热待查"), "人", "cases"),
        _i("fever_community", _("社区发热待查"), "人", "cases"),
        _i("fever_clinic_visits", _("发热门诊就诊人次"), "人次", "cases"),
        _i("close_contacts", _("密切接触者"), "人", "cases"),
        _i("home_observation", _("居家医学观察"), "人", "observation"),
        _i("centralized_observation", _("集中医学观察"), "人", "observation"),
        _i("home_monitoring", _("居家健康监测"), "人", "observation"),
        _i("observation_total", _("观察和监测合计"), "人", "observation"),
        _i("new_observation_today", _("当日新增观察"), "人", "today"),
        _i("released_today", _("当日解除观察"), "人", "today"),
        _i("new_confirmed_today", _("当日新增确诊"), "例", "today"),
        _i("new_suspected_today", _("当日新增疑似"), "例", "today"),
        _i("returnees_outbreak", _("来自或途经疫区返乡人员（累计）"), "人", "returnees"),
        _i("returnees_transit", _("其中途经疫区"), "人", "returnees"),
        _i("controlled", _("已管控"), "人", "returnees"),
        _i("not_controlled", _("未管控"), "人", "returnees"),
        _i("returnees_other_provinces", _("外省返乡人员"), "人", "returnees"),
        _i("list_batches", _("收到部门名单批次"), "批", "lists"),
        _i("list_people", _("部门名单人数"), "人", "lists"),
        _i("households_visited", _("已入户摸排户数"), "户", "screening"),
        _i("people_screened", _("已摸排人数"), "人", "screening"),
        _i("checks_due_today", _("当日应测温人次"), "人次", "checks"),
        _i("checks_missed_today", _("当日未测温人次"), "人次", "checks"),
        _i("checkpoint_vehicles", _("卡口检查车辆"), "辆", "checkpoints"),
        _i("checkpoint_people", _("卡口检查人员"), "人次", "checkpoints"),
        _i("checkpoint_turned_back", _("卡口劝返"), "人次", "checkpoints"),
        _i("checkpoint_handed_over", _("卡口移交属地"), "人次", "checkpoints"),
        _i("checkpoint_fever_clinic", _("卡口送发热门诊"), "人次", "checkpoints"),
        _i("checkpoint_observation", _("卡口留观"), "人次", "checkpoints"),
        _i("supplies_short", _("告急物资（单位×品种）"), "项", "supplies"),
        _i("supplies_out", _("其中已断货"), "项", "supplies"),
        _i("clues_received", _("收到线索"), "条", "clues"),
        _i("clues_verified", _("线索已核实"), "条", "clues"),
        _i("rumours", _("其中谣言"), "条", "clues"),
    ]
)

# Which classifications each case figure counts (the four categories' definitions, reused).
_CLASSIFIED: dict[str, tuple[str, ...]] = {
    "confirmed": FOUR_CATEGORIES["confirmed"],
    "clinical": (Classification.CLINICAL,),
    "suspected": FOUR_CATEGORIES["suspected"],
    "asymptomatic": FOUR_CATEGORIES["asymptomatic"],
    "fever_hospital": (Classification.FEVER_HOSPITAL,),
    "fever_community": (Classification.FEVER_COMMUNITY,),
    "close_contacts": FOUR_CATEGORIES["close_contact"],
}
_NEW_CLASSIFIED: dict[str, tuple[str, ...]] = {
    "new_confirmed_today": FOUR_CATEGORIES["confirmed"],
    "new_suspected_today": FOUR_CATEGORIES["suspected"],
}
_EPISODE_KIND: dict[str, str] = {
    "home_observation": Episode.Kind.HOME,
    "centralized_observation": Episode.Kind.CENTRAL,
    "home_monitoring": Episode.Kind.MONITORING,
}
_RETURNEE_KEYS = frozenset(
    {"returnees_outbreak", "returnees_transit", "returnees_other_provinces", "controlled", "not_controlled"}
)


def _cutoff_time() -> tuple[dt.time, int]:
    """Return the configured cut-off as a local time and a day offset ("24:00" is next day's 00:00)."""
    raw = str(getattr(settings, "EPIGRID_REPORT_CUTOFF", "18:00"))
    if raw == "24:00":
        return dt.time(0, 0), 1
    return dt.time.fromisoformat(raw), 0


def report_cutoff(day: dt.date) -> dt.datetime:
    """Return the aware local moment at which ``day``'s report closes (EPIGRID_REPORT_CUTOFF, 18:00)."""
    at, offset = _cutoff_time()
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=offset), at))


def report_day(cutoff: dt.datetime) -> dt.date:
    """Return the report day a cut-off closes (the inverse of ``report_cutoff`` for "24:00")."""
    _, offset = _cutoff_time()
    local = timezone.localtime(cutoff)
    if offset and local.time() == dt.time(0, 0):
        return local.date() - dt.timedelta(days=1)
    return local.date()


def _window(cutoff: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Return the report period that ends at ``cutoff``: after the last cut-off before it, up to it.

    At a day's cut-off that is the previous day's; asked at 10:00, it is since yesterday's 18:00.
    """
    previous = report_cutoff(report_day(cutoff))
    if previous >= cutoff:
        previous = report_cutoff(report_day(cutoff) - dt.timedelta(days=1))
    return previous, cutoff


class _Figures:
    """Accumulates figures per unit id for one level's chain column."""

    def __init__(self, level: int, ids: Sequence[int], cutoff: dt.datetime, keys: frozenset[str]) -> None:
        self.column = LEVEL_FIELD[level]
        self.rel = self.column.removesuffix("_id")
        self.ids = list(ids)
        self.cutoff = cutoff
        self.day = report_day(cutoff)
        self.keys = keys
        self.home = ""
        self.values: dict[int, dict[str, int]] = {pk: dict.fromkeys(keys, 0) for pk in ids}

    def wants(self, *keys: str) -> bool:
        return any(k in self.keys for k in keys)

    def add(self, unit: int | None, key: str, n: int) -> None:
        if unit in self.values and key in self.keys:
            self.values[unit][key] += n

    def where(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}{self.rel}__in": self.ids})


def _not_merged() -> QuerySet[Person, int]:
    # Few people are merged (a partial index holds them): excluding their ids keeps each count an
    # index walk of the chain column, as cases.selectors.four_category_counts does.
    return Person.objects.filter(merged_into__isnull=False).values_list("pk", flat=True)


def _cases(f: _Figures) -> None:
    """Classifications as of the cut-off: the current one if set by then, else the last before it."""
    base = CaseStatus.objects.filter(f.where()).exclude(person_id__in=_not_merged())
    by_unit: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for unit, code, n in (
        base.filter(since__lte=f.cutoff)
        .values_list(f.column, "classification")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_unit[unit][code] += n
    earlier = (
        ClassificationChange.objects.filter(person_id=OuterRef("person_id"), at__lte=f.cutoff)
        .order_by("-at", "-id")
        .values("to_classification")[:1]
    )
    for unit, code in (
        base.filter(since__gt=f.cutoff).annotate(then=Subquery(earlier)).values_list(f.column, "then")
    ):
        if code:
            by_unit[unit][code] += 1
    for unit, codes in by_unit.items():
        for key, classes in _CLASSIFIED.items():
            f.add(unit, key, sum(codes.get(c, 0) for c in classes))


def _new_cases(f: _Figures) -> None:
    """People classified confirmed or suspected during the report day (a person once per figure)."""
    start, end = _window(f.cutoff)
    wanted = {c for k, classes in _NEW_CLASSIFIED.items() if k in f.keys for c in classes}
    rows = (
        ClassificationChange.objects.filter(
            f.where("person__case_status__"), at__gt=start, at__lte=end, to_classification__in=wanted
        )
        .exclude(person_id__in=_not_merged())
        .values_list(f"person__case_status__{f.column}", "to_classification", "person_id")
        .distinct()
    )
    seen: set[tuple[str, int]] = set()
    for unit, code, person_id in rows:
        for key, classes in _NEW_CLASSIFIED.items():
            if code in classes and (key, person_id) not in seen:
                seen.add((key, person_id))
                f.add(unit, key, 1)


def _open_at(cutoff: dt.datetime, day: dt.date) -> Q:
    """Episodes recorded and started by the cut-off and not ended by then."""
    return Q(created_at__lte=cutoff, started_on__lte=day) & (
        Q(ended_at__isnull=True) | Q(ended_at__gt=cutoff)
    )


def _episodes(f: _Figures) -> None:
    base = Episode.objects.filter(f.where()).exclude(person_id__in=_not_merged())
    if f.wants(*_EPISODE_KIND, "observation_total"):
        kinds = {v: k for k, v in _EPISODE_KIND.items()}
        for unit, kind, n in (
            base.filter(_open_at(f.cutoff, f.day))
            .values_list(f.column, "kind")
            .annotate(n=Count("id"))
            .order_by()
        ):
            f.add(unit, kinds[kind], n)
            f.add(unit, "observation_total", n)
    start, end = _window(f.cutoff)
    if f.wants("released_today"):
        released = base.filter(status=Episode.Status.RELEASED, ended_at__gt=start, ended_at__lte=end)
        for unit, n in released.values_list(f.column).annotate(n=Count("id")).order_by():
            f.add(unit, "released_today", n)
    if f.wants("new_observation_today"):
        started = base.filter(created_at__gt=start, created_at__lte=end)
        for unit, n in started.values_list(f.column).annotate(n=Count("id")).order_by():
            f.add(unit, "new_observation_today", n)


def _returnees(f: _Figures, level: int) -> None:
    units = returnees_by_unit(
        level=level, ids=f.ids, as_of=f.cutoff, home=f.home, lists=f.wants("list_batches", "list_people")
    )
    controlled: set[int] = set()
    if f.wants("controlled", "not_controlled"):
        # Placed under observation or monitoring by the cut-off (whatever became of it since).
        controlled = set(
            Episode.objects.filter(f.where("person__"), created_at__lte=f.cutoff, started_on__lte=f.day)
            .values_list("person_id", flat=True)
            .distinct()
        )
    for pk, unit in units.items():
        f.add(pk, "returnees_outbreak", len(unit.outbreak))
        f.add(pk, "returnees_transit", unit.outbreak_via)
        f.add(pk, "returnees_other_provinces", unit.other_provinces)
        under = len(unit.outbreak & controlled)
        f.add(pk, "controlled", under)
        f.add(pk, "not_controlled", len(unit.outbreak) - under)
        f.add(pk, "list_batches", unit.batches)
        f.add(pk, "list_people", unit.listed_people)


def _screening(f: _Figures) -> None:
    if f.wants("households_visited"):
        visits = Screening.objects.filter(f.where(), visited_at__lte=f.cutoff)
        for unit, n in (
            visits.values_list(f.column).annotate(n=Count("household_id", distinct=True)).order_by()
        ):
            f.add(unit, "households_visited", n)
    if f.wants("people_screened"):
        entries = ScreeningEntry.objects.filter(
            f.where("screening__"), screening__visited_at__lte=f.cutoff
        ).exclude(person_id__in=_not_merged())
        for unit, n in (
            entries.values_list(f"screening__{f.column}")
            .annotate(n=Count("person_id", distinct=True))
            .order_by()
        ):
            f.add(unit, "people_screened", n)


def _checks(f: _Figures) -> None:
    """Slots of the report day whose deadline passed by the cut-off, for episodes open then, and misses.

    A slot counts as done when a check for it had been entered by the cut-off (one current check per
    episode, day and slot: the row then current is the one not replaced, or replaced after the cut-off).
    """
    passed: dict[int, list[str]] = {}
    for policy in Policy.objects.all():
        keys = [s.key for s in slots(policy) if slot_deadline(policy, f.day, s.key) <= f.cutoff]
        if keys:
            passed[policy.pk] = keys
    if not passed:
        return
    episodes = Episode.objects.filter(f.where(), _open_at(f.cutoff, f.day)).exclude(
        person_id__in=_not_merged()
    )
    due: dict[int, int] = defaultdict(int)
    for unit, policy_id, n in (
        episodes.filter(policy_id__in=list(passed))
        .values_list(f.column, "policy_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        due[unit] += n * len(passed[policy_id])
    done: dict[int, int] = defaultdict(int)
    if due:
        in_slot = Q()
        for policy_id, keys in passed.items():
            in_slot |= Q(episode__policy_id=policy_id, slot__in=keys)
        checks = HealthCheck.objects.filter(
            in_slot,
            episode__in=episodes,
            day=f.day,
            entered_at__lte=f.cutoff,
        ).filter(Q(replaced_by__isnull=True) | Q(replaced_by__entered_at__gt=f.cutoff))
        for unit, n in checks.values_list(f"episode__{f.column}").annotate(n=Count("id")).order_by():
            done[unit] += n
    for unit, n in due.items():
        f.add(unit, "checks_due_today", n)
        f.add(unit, "checks_missed_today", max(n - done.get(unit, 0), 0))


_CHECKPOINT_KEYS = {
    "checkpoint_vehicles": "vehicles",
    "checkpoint_people": "people",
    "checkpoint_turned_back": "turned_back",
    "checkpoint_handed_over": "handed_over",
    "checkpoint_fever_clinic": "fever_clinic",
    "checkpoint_observation": "observation",
}


def _checkpoints(f: _Figures, level: int) -> None:
    """Passages checked during the report period at the checkpoints of each unit (none below a village)."""
    if level > Level.VILLAGE:
        return
    start, end = _window(f.cutoff)
    for unit, figures in passage_figures(f.column, f.ids, start=start, end=end).items():
        for key, figure in _CHECKPOINT_KEYS.items():
            f.add(unit, key, figures[figure])


def _supplies(f: _Figures, level: int) -> None:
    """Items short or out at the units' depots at the end of the report day (none below a village)."""
    if level > Level.VILLAGE:
        return
    for unit, (short, gone) in supply_warnings(column=f.column, ids=f.ids, day=f.day).items():
        f.add(unit, "supplies_short", short)
        f.add(unit, "supplies_out", gone)


_CLUE_KEYS = ("clues_received", "clues_verified", "rumours")


def _clues(f: _Figures, level: int) -> None:
    """Clues and rumours received, and clues verified, during the report period: two grouped queries
    (the police station's outcomes, ``clues.services.clue_outcome``, set ``verified_at``)."""
    start, end = _window(f.cutoff)
    if f.wants("clues_received", "rumours"):
        received = Clue.objects.filter(f.where(), created_at__gt=start, created_at__lte=end)
        for unit, n, rumours in (
            received.values_list(f.column)
            .annotate(n=Count("id"), rumours=Count("id", filter=Q(kind=ClueKind.RUMOUR)))
            .order_by()
        ):
            f.add(unit, "clues_received", n)
            f.add(unit, "rumours", rumours)
    if f.wants("clues_verified"):
        verified = Clue.objects.filter(f.where(), verified_at__gt=start, verified_at__lte=end)
        for unit, n in verified.values_list(f.column).annotate(n=Count("id")).order_by():
            f.add(unit, "clues_verified", n)


def _fever_visits(f: _Figures, level: int) -> None:
    """Fever-clinic and fever-room visits (预检分诊) of the units' residents seen during the report period,
    wherever they were seen: one grouped query on the visit's copy of the patient's chain."""
    start, end = _window(f.cutoff)
    visits = FeverVisit.objects.filter(f.where(), visited_at__gt=start, visited_at__lte=end)
    for unit, n in visits.values_list(f.column).annotate(n=Count("id")).order_by():
        f.add(unit, "fever_clinic_visits", n)


_CASE_KEYS = frozenset(_CLASSIFIED)
_EPISODE_KEYS = frozenset({*_EPISODE_KIND, "observation_total", "released_today", "new_observation_today"})
_STEPS: list[tuple[frozenset[str], Callable[[_Figures, int], None]]] = [
    (_CASE_KEYS, lambda f, level: _cases(f)),
    (frozenset(_NEW_CLASSIFIED), lambda f, level: _new_cases(f)),
    (_EPISODE_KEYS, lambda f, level: _episodes(f)),
    (_RETURNEE_KEYS | {"list_batches", "list_people"}, _returnees),
    (frozenset({"households_visited", "people_screened"}), lambda f, level: _screening(f)),
    (frozenset({"checks_due_today", "checks_missed_today"}), lambda f, level: _checks(f)),
    (frozenset(_CHECKPOINT_KEYS), _checkpoints),
    (frozenset({"supplies_short", "supplies_out"}), _supplies),
    (frozenset(_CLUE_KEYS), _clues),
    (frozenset({"fever_clinic_visits"}), _fever_visits),
]


def _keys(keys: Iterable[str] | None) -> frozenset[str]:
    if keys is None:
        return frozenset(INDICATORS)
    chosen = frozenset(keys)
    unknown = chosen - INDICATORS.keys()
    if unknown:
        raise KeyError(f"unknown indicators: {', '.join(sorted(unknown))}")
    return chosen


def _ordered(values: dict[str, int]) -> dict[str, int]:
    return {key: values[key] for key in INDICATORS if key in values}


def _compute(
    level: int, ids: Sequence[int], home: str, cutoff: dt.datetime, keys: frozenset[str]
) -> _Figures:
    figures = _Figures(level, ids, cutoff, keys)
    figures.home = home
    if ids:
        for step_keys, step in _STEPS:
            if keys & step_keys:
                step(figures, level)
    return figures


def _level_of(region: Region) -> tuple[int, int]:
    """Return the level and id whose chain column selects the region (a 片区 counts as its grid)."""
    if region.level > Level.GRID:
        return Level.GRID, region.depth_ids[Level.GRID - 1]
    return region.level, region.pk


def indicator_values(
    region: Region, cutoff: dt.datetime, keys: Sequence[str] | None = None
) -> dict[str, int]:
    """Compute ``keys`` (default all, in display order) for ``region``'s subtree as of ``cutoff``.

    Not scoped: callers check the region against the user's scope first (the figures are counts).
    """
    level, pk = _level_of(region)
    figures = _compute(level, [pk], region.code[:2], cutoff, _keys(keys))
    return _ordered(figures.values[pk])


def indicator_table(
    regions: Sequence[Region], cutoff: dt.datetime, keys: Sequence[str] | None = None
) -> dict[int, dict[str, int]]:
    """Compute the figures of several regions (a region's children) in one pass, keyed by region id.

    Regions of one level share each grouped query; a mix of levels costs one pass per level.
    """
    chosen = _keys(keys)
    result: dict[int, dict[str, int]] = {}
    by_level: dict[int, list[tuple[Region, int]]] = defaultdict(list)
    for region in regions:
        level, pk = _level_of(region)
        by_level[level].append((region, pk))
    for level, members in by_level.items():
        home = members[0][0].code[:2]
        figures = _compute(level, sorted({pk for _, pk in members}), home, cutoff, chosen)
        for region, pk in members:
            result[region.pk] = _ordered(figures.values[pk])
    return result
