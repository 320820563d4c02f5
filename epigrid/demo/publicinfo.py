"""The demo's public information: hotlines and guidance of the demo district, and its bulletins.

The bulletins of the last three report days whose cut-off has passed are drafted from the figures by
``publicinfo.services`` as the demo ``hq`` account and published, so the public page shows the latest
with its issue number and the earlier ones; the demo town's office publishes its own for the last
day. Everything goes through the services, so the personal-data check runs on the demo's texts too.
Loaded last (after the cases, observations and reports it reads), once: nothing happens when the
district already has notices or bulletins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from epigrid.core.clock import now
from epigrid.core.models import User
from epigrid.publicinfo.figures import last_cutoff
from epigrid.publicinfo.models import Bulletin, PublicNotice
from epigrid.publicinfo.services import bulletin_draft, bulletin_publish, notice_save
from epigrid.regions.models import Level, Region

DAYS = 3

HOTLINES = (
    ("区疫情防控指挥部咨询电话", "0571-86001234", "24小时值守"),
    ("区卫生健康局（发热门诊就诊咨询）", "0571-86005678", ""),
    ("12345政务服务热线", "12345", ""),
    ("12320卫生热线", "12320", ""),
)
GUIDANCE = (
    (
        "返乡人员请主动报告",
        "近14天内从湖北等疫情重点地区返回或途经的人员，请主动向所在村（社区）报告，"
        "配合做好登记和14天居家医学观察，每天早晚各测一次体温。\n"
        "也可扫描村（社区）公告栏上的二维码自行报告，无需注册。",
    ),
    (
        "出现发热怎么办",
        "如出现发热（腋下体温≥37.3℃）、干咳、乏力等症状，请立即告知村（社区）网格员，"
        "佩戴口罩前往就近发热门诊就诊，就诊途中避免乘坐公共交通工具。",
    ),
    (
        "居家个人防护",
        "少出门、不聚集，外出佩戴口罩；勤洗手，常通风；不信谣、不传谣，以官方发布的信息为准。",
    ),
)


@dataclass(frozen=True)
class DemoPublicInfo:
    hotlines: int = 0
    guidance: int = 0
    bulletins: int = 0
    public_path: str = ""


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


@transaction.atomic
def demo_publicinfo_load() -> DemoPublicInfo:
    """Publish the demo district's hotlines, guidance and last bulletins, once."""
    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    hq = _user("hq")
    if district is None or hq is None:
        return DemoPublicInfo()
    if (
        PublicNotice.objects.filter(region=district).exists()
        or Bulletin.objects.filter(region=district).exists()
    ):
        return DemoPublicInfo()
    for position, (title, phone, body) in enumerate(HOTLINES):
        notice_save(
            actor=hq, region=district, kind="hotline", title=title, phone=phone, body=body, position=position
        )
    for position, (title, body) in enumerate(GUIDANCE):
        notice_save(actor=hq, region=district, kind="guidance", title=title, body=body, position=position)
    last_day, _cutoff = last_cutoff(now())
    published = 0
    for back in range(DAYS - 1, -1, -1):
        day = last_day - dt.timedelta(days=back)
        bulletin, _created = bulletin_draft(actor=hq, region=district, day=day)
        bulletin_publish(actor=hq, bulletin=bulletin)
        published += 1
    officer = _user("town")
    town = Region.objects.filter(assignments__user=officer, level=Level.TOWN).first() if officer else None
    if officer is not None and town is not None:
        bulletin, _created = bulletin_draft(actor=officer, region=town, day=last_day)
        bulletin_publish(actor=officer, bulletin=bulletin)
        published += 1
    return DemoPublicInfo(
        hotlines=len(HOTLINES),
        guidance=len(GUIDANCE),
        bulletins=published,
        public_path=f"/public/{district.code}/",
    )
