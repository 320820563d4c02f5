"""Personas at every level of a small tree, plus an outsider who must see nothing.

District 测试区 (420199)
├── 甲镇 (town, 420199100)
│   └── 甲村 (village A, 420199100200) ── 甲村第1网格 (grid A1): households 甲1, 甲2
└── 乙街道 (street, 420199001)
    └── 乙社区 (community B, 420199001001) ── 乙社区第1网格 (grid B1): household 乙1
Other district 外区 (420188) ── 外镇 ── 外村 ── 外村第1网格: household 外1
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

import pytest
from django.utils import timezone

from epigrid.core.models import User
from epigrid.core.roles import Role
from epigrid.lists.models import ListBatch, ListRow, ListSource, PersonMerge
from epigrid.people.models import Person, Screening
from epigrid.regions.models import Household, Level, Region, RegionImport
from tests import factories as f


@dataclass
class World:
    district: Region
    town: Region
    village_a: Region
    grid_a: Region
    street: Region
    village_b: Region
    grid_b: Region
    other_district: Region
    other_grid: Region
    hh_a1: Household
    hh_a2: Household
    hh_b1: Household
    hh_other: Household
    zhang: Person  # lives in grid A1
    li: Person  # lives in grid B1
    outsider_person: Person
    hq: User
    town_officer: User
    village_leader: User
    grid_worker_a: User
    grid_worker_b: User
    department: User
    checkpoint: User
    admin: User
    outsider: User
    police: User  # the police station of 甲镇 (clues of its area only)
    hq_import: RegionImport  # an upload by the HQ user
    hq_batch: ListBatch  # a department list sent to the district
    hq_review_row: ListRow  # a row of it waiting for review, 张伟 its candidate

    @property
    def hq_merge(self) -> PersonMerge:
        """A merge by HQ of an unplaced duplicate of 张伟 into 张伟 (made on first use only)."""
        from epigrid.lists.merge import person_merge
        from epigrid.people.services import person_register_unplaced

        merge = PersonMerge.objects.filter(kept=self.zhang).first()
        if merge is None:
            twin = person_register_unplaced(
                actor=None, region=self.district, name="张伟", source=Person.Source.SENT_DOWN
            )
            merge = person_merge(actor=self.hq, kept=self.zhang, absorbed=twin)
        return merge

    @cached_property
    def screening_a1(self) -> Screening:
        """A visit of household 甲1 by grid_a (built on first use: most tests never need it)."""
        from epigrid.people.screening import EntryInput, screening_record

        return screening_record(
            actor=self.grid_worker_a,
            household=self.hh_a1,
            visited_at=timezone.now(),
            entries=[EntryInput(key="p", person_id=self.zhang.pk, temperature=Decimal("36.5"))],
        ).screening

    @cached_property
    def episode_zhang(self):
        """张伟 under home medical observation since yesterday (built on first use)."""
        import datetime as dt

        from epigrid.monitoring.models import Episode
        from epigrid.monitoring.policy import current_policy

        policy = current_policy()
        started = timezone.localdate() - dt.timedelta(days=1)
        return Episode.objects.create(
            person=self.zhang, district_id=self.zhang.district_id, town_id=self.zhang.town_id,
            village_id=self.zhang.village_id, grid_id=self.zhang.grid_id,
            household_id=self.zhang.household_id, kind=Episode.Kind.HOME,
            basis=Episode.Basis.OUTBREAK_RETURN, policy=policy, started_on=started, last_exposure=started,
            planned_end=started + dt.timedelta(days=policy.observation_days),
        )  # fmt: skip

    @cached_property
    def unit_report_a(self):
        """甲村's daily report of yesterday, by its village leader (built on first use)."""
        import datetime as dt

        from epigrid.reports.services import unit_report_submit

        day = timezone.localdate() - dt.timedelta(days=1)
        return unit_report_submit(
            actor=self.village_leader, region=self.village_a, day=day, measures={"leaflets": 20},
            problems="口罩不足",
        ).report  # fmt: skip

    @cached_property
    def checkpoint_a(self):
        """甲村's entrance checkpoint, set up by the town (built on first use)."""
        from epigrid.checkpoints.models import Checkpoint
        from epigrid.checkpoints.services import CheckpointInput, checkpoint_save

        return checkpoint_save(
            actor=self.town_officer,
            data=CheckpointInput(
                name="甲村村口卡点", kind=Checkpoint.Kind.VILLAGE_ENTRANCE, region=self.village_a
            ),
        )

    @cached_property
    def handover_b(self):
        """李娜, back via the outbreak area, handed by 甲村's checkpoint to 乙社区 (built on first use)."""
        from epigrid.checkpoints.models import Disposition
        from epigrid.checkpoints.services import PassageInput, PersonInput, passage_register

        result = passage_register(
            actor=self.checkpoint,
            checkpoint=self.checkpoint_a,
            data=PassageInput(
                vehicle_type="car", plate="鄂A12345", disposition=Disposition.LET_THROUGH,
                via_outbreak_area=True, destination_region=self.village_b,
                people=[PersonInput(name="李娜", id_number=self.li.id_number, temperature="36.4")],
            ),
        )  # fmt: skip
        return result.handovers[0]

    @cached_property
    def depot_a(self):
        """甲镇's depot (its own stock), made as its first receipt would make it (built on first use)."""
        from epigrid.resources.services import depot_for_region

        return depot_for_region(self.town)

    @cached_property
    def supply_request_a(self):
        """甲镇's request to the district for 500 masks (built on first use)."""
        from epigrid.resources.items import builtin_items_ensure
        from epigrid.resources.services import request_submit

        mask = next(i for i in builtin_items_ensure() if i.code == "surgical-mask")
        return request_submit(actor=self.town_officer, depot=self.depot_a, item=mask, quantity=500)

    @cached_property
    def facility_a(self):
        """The district's fever clinic, 40 beds, 12 in them (built on first use)."""
        from epigrid.resources.models import Facility

        return Facility.objects.create(
            district=self.district, kind=Facility.Kind.FEVER_CLINIC, name="测试区人民医院发热门诊",
            beds=40, occupied=12,
        )  # fmt: skip

    @cached_property
    def site_a(self):
        """The district's observation site with rooms 201 and 202; 曾强 (甲2) in 201 (built on first use)."""
        import datetime as dt

        from epigrid.monitoring.episodes import episode_start
        from epigrid.monitoring.models import Episode, Room, Site

        site = Site.objects.create(district=self.district, name="测试宾馆")
        room = Room.objects.create(site=site, number="201")
        Room.objects.create(site=site, number="202")
        person = Person.objects.get(household=self.hh_a2, name="曾强")
        episode_start(
            actor=self.hq, person=person, kind=Episode.Kind.CENTRAL, basis=Episode.Basis.OUTBREAK_RETURN,
            room=room, last_exposure=timezone.localdate() - dt.timedelta(days=2),
        )  # fmt: skip
        return site

    def personas(self) -> dict[str, User]:
        return {
            "hq": self.hq,
            "town_officer": self.town_officer,
            "village_leader": self.village_leader,
            "grid_worker_a": self.grid_worker_a,
            "grid_worker_b": self.grid_worker_b,
            "department": self.department,
            "checkpoint": self.checkpoint,
            "admin": self.admin,
            "outsider": self.outsider,
            "police": self.police,
        }


@pytest.fixture(autouse=True)
def default_language():
    """Start every test in the default language: a test client's request in English leaves English
    active in the test's thread (LocaleMiddleware activates, nothing deactivates), which would make
    later tests depend on the order they run in."""
    from django.conf import settings
    from django.core.cache import cache
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    cache.clear()  # kept sums (e.g. the supplies forecast's) must not outlive the test's database
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def world(db: None) -> World:
    d = f.region("420199", "测试区", Level.DISTRICT)
    town = f.region("420199100", "甲镇", Level.TOWN, d)
    va = f.region("420199100200", "甲村", Level.VILLAGE, town)
    ga = f.region("420199100200001", "甲村第1网格", Level.GRID, va)
    street = f.region("420199001", "乙街道", Level.TOWN, d)
    vb = f.region("420199001001", "乙社区", Level.VILLAGE, street)
    gb = f.region("420199001001001", "乙社区第1网格", Level.GRID, vb)
    od = f.region("420188", "外区", Level.DISTRICT)
    ot = f.region("420188100", "外镇", Level.TOWN, od)
    ov = f.region("420188100200", "外村", Level.VILLAGE, ot)
    og = f.region("420188100200001", "外村第1网格", Level.GRID, ov)
    hh_a1 = f.household(ga, "甲村一组1号")
    hh_a2 = f.household(ga, "甲村一组2号")
    hh_b1 = f.household(gb, "乙社区3栋2单元101室")
    hh_o = f.household(og, "外村二组9号")
    zhang = f.person(hh_a1, "张伟", relation="户主")
    f.person(hh_a1, "王芳", sex="F", relation="配偶")
    f.person(hh_a2, "曾强", relation="户主")
    li = f.person(hh_b1, "李娜", sex="F", relation="户主")
    op = f.person(hh_o, "赵敏", sex="F", relation="户主")
    hq = f.user("hq", Role.DISTRICT_HQ, d)
    hq_import = RegionImport.objects.create(
        kind=RegionImport.Kind.TREE, file_name="甲镇.csv", content=b"code,name\n", uploaded_by=hq
    )
    source = ListSource.objects.create(district=d, name="区教育局")
    hq_batch = ListBatch.objects.create(
        source=source,
        number=1,
        region=d,
        file_name="第1批.csv",
        content=b"",
        sha256="0" * 64,
        uploaded_by=hq,
        status=ListBatch.Status.DONE,
        summary={"matched": 1, "new": 0, "review": 0, "rejected": 0},
    )
    ListRow.objects.create(
        batch=hq_batch,
        row_number=4,
        name="张伟",
        person=zhang,
        decision="matched",
        id_number=zhang.id_number,
        phone=zhang.phone,
    )
    hq_review_row = ListRow.objects.create(
        batch=hq_batch,
        row_number=5,
        name="张玮",
        fields={"name": "张玮", "phone": zhang.phone},
        phone=zhang.phone,
        decision="review",
        evidence={
            "candidates": [
                {
                    "person": zhang.pk,
                    "score": 16.0,
                    "rule": "score",
                    "fields": {"name": "same_pinyin", "phone": "exact"},
                }
            ]
        },
    )
    return World(
        district=d,
        town=town,
        village_a=va,
        grid_a=ga,
        street=street,
        village_b=vb,
        grid_b=gb,
        other_district=od,
        other_grid=og,
        hh_a1=hh_a1,
        hh_a2=hh_a2,
        hh_b1=hh_b1,
        hh_other=hh_o,
        zhang=zhang,
        li=li,
        outsider_person=op,
        hq=hq,
        hq_import=hq_import,
        hq_batch=hq_batch,
        hq_review_row=hq_review_row,
        town_officer=f.user("town", Role.TOWN_OFFICER, town),
        village_leader=f.user("village", Role.VILLAGE_LEADER, va),
        grid_worker_a=f.user("grid_a", Role.GRID_WORKER, ga),
        grid_worker_b=f.user("grid_b", Role.GRID_WORKER, gb),
        department=f.user("dept", Role.DEPARTMENT, d),
        checkpoint=f.user("checkpoint", Role.CHECKPOINT, town),
        admin=f.user("admin", Role.ADMIN, d),
        outsider=f.user("outsider", Role.GRID_WORKER, og),
        police=f.user("police", Role.POLICE, town),
    )
