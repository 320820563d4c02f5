"""The demo's clues and residents' reports: a few clues in the demo village, one rumour, the police
station's outcomes, two community pages, and residents' reports waiting for the village to review —
among them one of a person already registered and a flood through one poster, kept apart.

Everything goes through the app's own services (``clues.services``, ``clues.entries``,
``clues.review``), so the rules decide as they would for real: routing to the demo ``police``
account, the duplicate detection, the flood quarantine. Loaded once: nothing happens when the district
already has clues or community pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from epigrid.clues.entries import FLOOD_LIMIT, EntryInput, entry_submit, link_create
from epigrid.clues.models import Clue, ClueKind, CommunityLink
from epigrid.clues.review import entry_match, entry_reject
from epigrid.clues.services import ClueInput, clue_outcome, clue_report
from epigrid.core.models import User
from epigrid.people.models import Person
from epigrid.regions.models import Level, Region

FLOOD_EXTRA = 3  # entries beyond the flood limit: quarantined


@dataclass(frozen=True)
class DemoClues:
    clues: int
    rumours: int
    settled: int  # clues the police station recorded an outcome for
    links: int
    entries: int  # residents' reports waiting for review
    quarantined: int
    duplicates: int  # waiting reports that name a registered person
    public_path: str = ""  # the demo village's community page, to try it


_NOTHING = DemoClues(0, 0, 0, 0, 0, 0, 0)


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


@transaction.atomic
def demo_clues_load() -> DemoClues:
    """Report the demo's clues and residents' entries in the demo village, once."""
    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    if district is None:
        return _NOTHING
    if Clue.objects.filter(district_id=district.pk).exists() or CommunityLink.objects.exists():
        return _NOTHING
    leader, grid_worker, town_officer = _user("village"), _user("grid"), _user("town")
    if leader is None or grid_worker is None or town_officer is None:
        return _NOTHING
    village = Region.objects.filter(assignments__user=leader, level=Level.VILLAGE).first()
    grid = Region.objects.filter(assignments__user=grid_worker, level=Level.GRID).first()
    town = Region.objects.filter(assignments__user=town_officer, level=Level.TOWN).first()
    if village is None or grid is None or town is None:
        return _NOTHING
    clues = [
        clue_report(
            actor=grid_worker,
            data=ClueInput(
                kind=ClueKind.RETURNEE, region=grid, place="三组",
                description="三组一户人家前天有亲戚从武汉开车回来，至今没有到村委会登记。",
                contact_name="张建华", contact_phone="13893100001",
            ),
        ).clue,
        clue_report(
            actor=leader,
            data=ClueInput(
                kind=ClueKind.GATHERING, region=village, place="村文化广场",
                description="晚饭后文化广场有十来个人聚在一起打麻将，劝了不听。",
            ),
        ).clue,
        clue_report(
            actor=town_officer,
            data=ClueInput(
                kind=ClueKind.RUMOUR, region=town,
                description="微信群里传“喝板蓝根、熏白醋能预防新型冠状病毒”，不少群众去药店抢购。",
            ),
        ).clue,
    ]  # fmt: skip
    police = _user("police")
    settled = 0
    if police is not None and police.caps.handle_clues:
        clue_outcome(actor=police, clue=clues[0], status=Clue.Status.CHECKING, note="已联系网格员上门核实")
        clue_outcome(
            actor=police, clue=clues[1], status=Clue.Status.HANDLED, note="民警到场劝散，已登记在场人员"
        )
        clue_outcome(
            actor=police, clue=clues[2], status=Clue.Status.FALSE, note="经卫健部门确认不实，已在村民群辟谣"
        )
        settled = 2
    board, board_token = link_create(actor=leader, village=village, label="村委会公告栏")
    shop, _shop_token = link_create(actor=leader, village=village, label="村口小卖部")
    waiting = [
        EntryInput(kind="returnee", name="陈晓东", phone="13893100002", origin="湖北孝感", address="二组7号"),
        EntryInput(kind="fever", name="刘桂英", phone="13893100003", temperature="38.1", address="一组3号"),
        EntryInput(kind="clue", clue_kind=ClueKind.RUMOUR, description="听说镇上要封路，大家都去超市囤菜。"),
    ]
    registered = (
        Person.objects.filter(village_id=village.pk, merged_into__isnull=True)
        .exclude(phone="")
        .order_by("id")
        .first()
    )
    if registered is not None:
        waiting.append(
            EntryInput(kind="returnee", name=registered.name, phone=registered.phone, origin="广东深圳")
        )
    entries = [
        entry_submit(link=board, data=data, address=f"198.51.100.{i + 1}").entry
        for i, data in enumerate(waiting)
    ]
    flood = [
        entry_submit(
            link=shop,
            data=EntryInput(
                kind="clue", clue_kind=ClueKind.OTHER, description=f"免费领口罩，加微信 wx{i:04d}"
            ),
            address=f"203.0.113.{i + 1}",
        ).entry
        for i in range(FLOOD_LIMIT + FLOOD_EXTRA)
    ]
    for entry in flood[:FLOOD_LIMIT]:
        if entry is not None:
            entry_reject(actor=leader, entry=entry, reason="广告刷屏")
    duplicates = sum(1 for e in entries if e is not None and entry_match(e).best is not None)
    return DemoClues(
        clues=len(clues),
        rumours=sum(1 for c in clues if c.kind == ClueKind.RUMOUR),
        settled=settled,
        links=2,
        entries=sum(1 for e in entries if e is not None) + FLOOD_EXTRA,
        quarantined=sum(1 for e in flood[FLOOD_LIMIT:] if e is not None and e.quarantined),
        duplicates=duplicates,
        public_path=f"/clues/p/{board_token}/",
    )
