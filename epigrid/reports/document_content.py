"""Assemble a town's or street's daily work report from the records (seed report 1's structure).

- 一、防疫情况: the figures as of the day's cut-off (``indicators.report_cutoff``): department lists
  received and the returnees (``lists.counts.returnee_counts``: one definition for the counts page
  and the report), door-to-door screening, observation, the case figures (``indicators``) and the
  measures taken for each category.
- 二、采取措施: the measures the units counted in their daily reports (``UnitReport.measures``),
  summed over the town's own report and its villages', and the structure of the grids (region tree).
- 三、存在问题 and 四、下步建议: what the units wrote, merged item by item ("一是……；二是……"), the
  town's own first, each village's attributed ("（甲村）……"); the same item from several units once.

Nothing here is scoped: the caller checks that the user may see the town. Counts only, no names.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from epigrid.cases.models import Measure
from epigrid.cases.transitions import FOUR_CATEGORIES
from epigrid.core.clock import now
from epigrid.lists.counts import ReturneeCounts, returnee_counts
from epigrid.measurelog.models import SealedCompound, sealed_on_q
from epigrid.measurelog.selectors import sealed_counts
from epigrid.regions.models import LEVEL_FIELD, Level, Region
from epigrid.regions.scope import subtree_q
from epigrid.reports.document import SECTION_HEADINGS, ReportDocument, Section, ordinal_list
from epigrid.reports.indicators import indicator_values, report_cutoff
from epigrid.reports.models import UnitReport
from epigrid.reports.selectors import current_report, unit_reports_below

HQ_SUFFIX = "新冠肺炎疫情防控指挥部"
GROUP_SUFFIX = "新冠肺炎疫情防控工作领导小组"
WORK = "新冠肺炎疫情防控工作"
ATTRIBUTED_UNITS = 3  # units named before "等N个村（社区）"

# The indicators section 一 and （三） read; the returnee figures come from ``returnee_counts``.
FIGURE_KEYS = (
    "confirmed",
    "suspected",
    "asymptomatic",
    "close_contacts",
    "home_observation",
    "centralized_observation",
    "home_monitoring",
    "observation_total",
    "households_visited",
    "people_screened",
    "checks_due_today",
    "checks_missed_today",
)

# The case figures section 一 names with their measures ("确诊X例，已采取XX措施"): indicator, words,
# measure word, and the category of ``FOUR_CATEGORIES`` whose measures are counted.
_CASE_LINES = (
    ("confirmed", "确诊", "例", "confirmed"),
    ("suspected", "疑似", "例", "suspected"),
    ("close_contacts", "与确诊病人有密切接触", "人", "close_contact"),
    ("asymptomatic", "无症状感染者", "例", "asymptomatic"),
)
_MEASURE_NAMES: dict[str, str] = {
    Measure.Kind.DESIGNATED_HOSPITAL: "定点医院收治",
    Measure.Kind.CENTRALIZED_OBSERVATION: "集中医学观察",
    Measure.Kind.HOME_OBSERVATION: "居家医学观察",
    Measure.Kind.FEVER_CLINIC: "发热门诊就诊",
    Measure.Kind.HOME_MONITORING: "居家健康监测",
    Measure.Kind.OTHER: "其他措施",
}


class NotATown(ValueError):
    """The report document is written by a town or street office."""


@dataclass
class Sources:
    """Everything the report is computed from, gathered once (the benchmark times this and the rest)."""

    town: Region
    day: dt.date
    cutoff: dt.datetime
    figures: dict[str, int]
    returnees: ReturneeCounts
    measured: dict[str, Counter[str]]
    own: UnitReport | None
    units: list[UnitReport]
    villages: int
    grids: int
    closed: bool  # the cut-off has passed: the day's figures are final
    measures: Counter[str] = field(default_factory=Counter)
    # Compounds and villages under closed management on the report day, and their guard posts
    # (``measurelog.SealedCompound``): the measures log keeps them as things, not daily counts.
    sealed: tuple[int, int] = (0, 0)


def _month_day(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def measured(region: Region, cutoff: dt.datetime) -> dict[str, Counter[str]]:
    """Count, per case category, people by the latest measure decided for them by the cut-off.

    One measure per person (the latest: a fever-clinic visit followed by admission counts as admission),
    so a category's measures never add up to more people than it has. People whose classification
    changed after the cut-off are left out here (their category then is the history's, which the
    indicators read): the report then says their measure is not recorded yet, never a wrong one.
    """
    column = LEVEL_FIELD[min(region.level, Level.GRID)]
    rows = (
        Measure.objects.filter(
            **{f"person__case_status__{column}": region.pk},
            person__merged_into__isnull=True,
            person__case_status__since__lte=cutoff,
            decided_at__lte=cutoff,
        )
        .order_by("person_id", "decided_at", "id")
        .values_list("person_id", "person__case_status__classification", "kind")
    )
    latest: dict[int, tuple[str, str]] = {}
    for person_id, code, kind in rows.iterator(chunk_size=5_000):
        latest[person_id] = (str(code), str(kind))
    by_class: dict[str, Counter[str]] = defaultdict(Counter)
    for code, kind in latest.values():
        by_class[code][kind] += 1
    result: dict[str, Counter[str]] = {}
    for key, codes in FOUR_CATEGORIES.items():
        merged: Counter[str] = Counter()
        for code in codes:
            merged.update(by_class.get(code, Counter()))
        result[key] = merged
    return result


def gather(town: Region, day: dt.date) -> Sources:
    """Read every figure and unit report the town's report of ``day`` needs."""
    if town.level != Level.TOWN:
        raise NotATown(town.code)
    cutoff = report_cutoff(day)
    own = current_report(town, day)
    units = unit_reports_below(town, day)
    below = Region.objects.filter(subtree_q(town.path))
    counts = dict(
        below.filter(level__in=(Level.VILLAGE, Level.GRID))
        .values_list("level")
        .annotate(n=Count("id"))
        .order_by()
    )
    sources = Sources(
        town=town,
        day=day,
        cutoff=cutoff,
        figures=indicator_values(town, cutoff, FIGURE_KEYS),
        returnees=returnee_counts(region=town, as_of=cutoff),
        measured=measured(town, cutoff),
        own=own,
        units=units,
        villages=counts.get(Level.VILLAGE, 0),
        grids=counts.get(Level.GRID, 0),
        closed=now() >= cutoff,
        sealed=sealed_counts(SealedCompound.objects.filter(sealed_on_q(day), town_id=town.pk)),
    )
    for report in ([own] if own else []) + units:
        for kind, n in (report.measures or {}).items():
            if isinstance(n, int) and n > 0:
                sources.measures[kind] += n
    return sources


def _measure_text(counter: Counter[str], people: int) -> str:
    """Say which measures the category's people are under ("已采取定点医院收治8人，另有1人措施尚未登记")."""
    if not counter:
        return "措施尚未登记"
    parts = [f"{_MEASURE_NAMES.get(kind, kind)}{n}人" for kind, n in counter.most_common()]
    missing = people - sum(counter.values())
    return "已采取" + "、".join(parts) + (f"，另有{missing}人措施尚未登记" if missing > 0 else "")


def situation(s: Sources) -> str:
    """Write section 一: the figures as of the cut-off, in the sentences of seed report 1."""
    f, r, town = s.figures, s.returnees, s.town.name
    at = timezone.localtime(s.cutoff)
    areas = "、".join(settings.EPIGRID_OUTBREAK_AREAS)
    received = "、".join(
        f"{src.source}反馈{areas}方向返乡人员{src.batches}批次{src.people}人" for src in r.sources
    )
    parts = [f"截止{_month_day(at.date())}{at:%H:%M}，{town}"]
    parts.append(f"共排查由{received}，" if received else "未收到部门反馈名单，")
    parts.append(
        f"结合各村入户摸排（已入户{f['households_visited']}户，摸排{f['people_screened']}人），"
        f"现累计排摸出从{areas}方向返乡人员{r.outbreak}人（含途经{areas}人员{r.outbreak_via}人），"
        f"其家庭成员{r.families}人。"
    )
    parts.append(
        f"目前居家医学观察{f['home_observation']}人、集中医学观察{f['centralized_observation']}人、"
        f"居家健康监测{f['home_monitoring']}人，共计{f['observation_total']}人，其中："
    )
    cases = []
    for key, label, unit, category in _CASE_LINES:
        n = f[key]
        if n or category != "asymptomatic":  # asymptomatic infections only when there are some
            cases.append(f"{label}{n}{unit}" + (f"，{_measure_text(s.measured[category], n)}" if n else ""))
    parts.append("；".join(cases) + "；")
    provinces = "、".join(f"{name}{n}人" for name, n in r.by_province[:5])
    parts.append(
        f"外省（除{areas}方向外）返{town}人员{r.other_provinces}人"
        + (f"（{provinces}）" if provinces else "")
        + "。"
    )
    reported = len(s.units)
    zero = sum(1 for u in s.units if u.zero)
    parts.append(
        f"今日{s.villages}个村（社区）中已有{reported}个报送日报告"
        + (f"（其中零报告{zero}个）" if zero else "")
        + "。"
    )
    return "".join(parts)


def _counted(items: Iterable[tuple[str, str, str]], measures: Counter[str]) -> list[str]:
    return [f"{verb}{measures[kind]}{unit}" for kind, verb, unit in items if measures[kind]]


def measures(s: Sources) -> list[str]:
    """Write section 二's five paragraphs with the counts the units reported."""
    m, f = s.measures, s.figures
    publicity = _counted(
        (
            ("notices", "张贴通知公告", "份"),
            ("leaflets", "印制发放宣传彩页", "份"),
            ("banners", "悬挂横幅标语", "条"),
            ("screens", "电子屏滚动播放", "块"),
            ("audio", "录制宣传音频", "条"),
            ("loudspeakers", "配备宣传小喇叭", "个"),
        ),
        m,
    )
    first = (
        "（一）强化宣传。" + "、".join(publicity) + "，利用各村广播循环播放，广泛宣传疫情防控措施，"
        "告知群众自觉做好个人防护，如有发现返乡人员及时告知村委会或镇政府。"
        if publicity
        else "（一）强化宣传。今日各村（社区）未报送宣传数据。"
    )
    meetings = f"召开疫情防控工作会议{m['meetings']}次，" if m["meetings"] else ""
    second = (
        f"（二）联防联控。{meetings}镇村干部到岗到位，各村（社区）、各驻地单位落实疫情防控责任，"
        "联合派出所、卫生院等单位共同开展防控工作。"
    )
    wechat = f"，建立微信群{m['wechat_groups']}个" if m["wechat_groups"] else ""
    # Before the cut-off every slot of the day counts as due and most are not done yet: say nothing.
    checks = (
        f"（今日应测体温{f['checks_due_today']}人次，未测{f['checks_missed_today']}人次）"
        if f["checks_due_today"] and s.closed
        else ""
    )
    third = (
        f"（三）群防群治。现已建成村级网格{s.villages}个，片区网格{s.grids}个（共{s.town.household_count}户），"
        f"将每一户群众编入网格管理{wechat}，每天早晚两次观测居家观察人员健康状况{checks}，"
        "如有异常第一时间告知村级网格长，村级网格长及时报镇网格员。"
    )
    fourth = (
        f"（四）强化排查。联合派出所、卫生院、教办等单位，充分发挥网格长作用，已入户摸排{f['households_visited']}户"
        f"{f['people_screened']}人，对疫区返乡人员及其家属实行居家隔离观察，每天2次观测健康状况，及时上报排查信息。"
    )
    disinfection = f"在辖区公共场所、人员密集地开展消毒{m['disinfection']}次；" if m["disinfection"] else ""
    blocking = "".join(
        f"{words}{m[key]}{unit}；" for key, words, unit in (
            ("gatherings_cancelled", "取消聚集性活动", "场"),
            ("venues_closed", "关闭公共场所", "处"),
            ("patrols", "组织巡逻", "次"),
        ) if m.get(key)
    )  # fmt: skip
    compounds, posts = s.sealed
    sealed = f"对{compounds}个小区（村）实行封闭管理，设置卡点（值守点）{posts}个；" if compounds else ""
    fifth = (
        f"（五）多措并举阻断疫情传播途径。{disinfection}{blocking}{sealed}在各村入村路口对外来人员车辆进行登记，"
        "劝导群众减少聚集、不走亲串户。"
    )
    return [first, second, third, fourth, fifth]


def merged_items(reports: list[tuple[str, str]]) -> list[str]:
    """Merge the units' texts into items, one per line; attribute them; the same item once.

    ``reports`` holds (unit name, text) with the town's own text first and an empty name: the
    town's items carry no attribution, every village's do ("（甲村、乙村）……").
    """
    order: list[str] = []
    names: dict[str, list[str]] = {}
    for name, text in reports:
        for line in text.replace("\r\n", "\n").split("\n"):
            item = line.strip().lstrip("0123456789.、．）) ").strip().rstrip("。；;")
            if not item:
                continue
            if item not in names:
                order.append(item)
                names[item] = []
            if name and name not in names[item]:
                names[item].append(name)
    return [_attributed(names[item]) + item for item in order]


def _attributed(names: list[str]) -> str:
    """Name up to three units; more become "（甲村、乙村、丙村等5个村（社区））"."""
    if not names:
        return ""
    if len(names) <= ATTRIBUTED_UNITS:
        return f"（{'、'.join(names)}）"
    return f"（{'、'.join(names[:ATTRIBUTED_UNITS])}等{len(names)}个村（社区））"


def _narrative(s: Sources, attr: str, empty: str) -> str:
    texts = [("", getattr(s.own, attr))] if s.own else []
    texts += [(u.region.name, getattr(u, attr)) for u in s.units]
    items = merged_items(texts)
    return ordinal_list(items) if items else empty


def build_report(s: Sources) -> ReportDocument:
    """Write the report from what ``gather`` read."""
    town = s.town.name
    district = s.town.parent.name if s.town.parent else ""
    hq = f"{district}{HQ_SUFFIX}"
    md = _month_day(s.day)
    paragraphs = {
        "opening": [f"按照{hq}安排部署，现将{md}{town}{WORK}进展情况汇报如下："],
        "situation": [situation(s)],
        "measures": measures(s),
        "problems": [_narrative(s, "problems", "今日各村（社区）未报告存在问题。")],
        "suggestions": [_narrative(s, "suggestions", "今日各村（社区）未提出建议。")],
    }
    return ReportDocument(
        title=f"{town}关于{md}{WORK}进展情况的报告",
        addressee=f"{hq}：",
        sections=tuple(
            Section(key, heading, tuple(paragraphs[key])) for key, heading in SECTION_HEADINGS.items()
        ),
        signature=f"{town}{GROUP_SUFFIX}",
        day=s.day,
    )


def daily_report(town: Region, day: dt.date) -> ReportDocument:
    """Return the town's daily work report of ``day`` as generated from the records."""
    return build_report(gather(town, day))
