"""Checkpoints (卡口 / 疫情监测点), the people and vehicles registered there, handovers to the
destination village, and the road network whose entries the checkpoints should cover.

A ``Passage`` is one stop at a barrier: a vehicle (or someone on foot) with its driver and passengers
(``PassagePerson``), where from and where to, and what was done with each person. A traveller from or
through the outbreak area heading for a village of the district is handed to that village
(``Handover``): the grid worker sees them at once as someone to screen. ``RoadNetwork`` keeps an
imported road file and district boundary with the last coverage analysis of it.

Passages carry the chain of their checkpoint's region (district, town, village) so the daily figures of
any region are one grouped query on one indexed column.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from epigrid.core.models import TimeStamped
from epigrid.people.models import Person
from epigrid.regions.models import Region, chain_copy


class Checkpoint(TimeStamped):
    """A barrier or monitoring point: where it stands, who runs it, when it is open."""

    class Kind(models.TextChoices):
        VILLAGE_ENTRANCE = "village", _("村口卡点")
        MARKET_ENTRANCE = "market", _("农贸市场入口")
        ROAD_POINT = "road", _("道路监测点")
        COUNTY_JUNCTION = "junction", _("县级交汇点")
        # Transport hubs (seed report: temperature screening at airports, railway and bus stations and
        # ports): travellers arrive on foot from a train, flight, coach or ship, one by one.
        AIRPORT = "airport", _("机场")
        RAILWAY = "railway", _("火车站")
        COACH = "coach", _("汽车客运站")
        PORT = "port", _("港口码头")
        MOTORWAY_EXIT = "motorway", _("高速公路出口")

    name = models.CharField(_("卡口名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    region = models.ForeignKey(Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    town = chain_copy()
    village = chain_copy()
    road_name = models.CharField(_("所在道路"), max_length=100, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    unit = models.CharField(_("责任单位"), max_length=100, blank=True)
    person_in_charge = models.CharField(_("责任人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    opens_at = models.TimeField(_("开放时间"), null=True, blank=True)  # empty: around the clock
    closes_at = models.TimeField(_("关闭时间"), null=True, blank=True)
    staff = models.CharField(_("值守人员"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    observation_places = models.PositiveSmallIntegerField(_("留观室位置数"), default=0)  # hubs only
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # The client's key for the creation: the same key from the same account sets it up once.
    idempotency_key = models.CharField(_("提交标识"), max_length=64, blank=True)

    # Not stored: false on a checkpoint answered again for a repeated idempotency key.
    created = True

    class Meta:
        verbose_name = _("卡口")
        ordering = ["town_id", "name"]
        indexes = [
            models.Index(fields=["district", "active"], name="checkpoint_district_idx"),
            models.Index(fields=["town"], name="checkpoint_town_idx"),
            models.Index(fields=["village"], name="checkpoint_village_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="checkpoint_idempotency",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def around_the_clock(self) -> bool:
        return self.opens_at is None or self.closes_at is None

    @property
    def located(self) -> bool:
        return self.longitude is not None and self.latitude is not None

    @property
    def is_hub(self) -> bool:
        return is_hub_kind(self.kind)

    @property
    def has_observation_room(self) -> bool:
        return self.is_hub and self.observation_places > 0

    @property
    def arrivals_on_foot(self) -> bool:
        """Travellers come off a train, flight, coach or ship one by one (a motorway exit sees cars)."""
        return self.kind in ARRIVALS_ON_FOOT


HUB_KINDS = frozenset(
    {
        Checkpoint.Kind.AIRPORT,
        Checkpoint.Kind.RAILWAY,
        Checkpoint.Kind.COACH,
        Checkpoint.Kind.PORT,
        Checkpoint.Kind.MOTORWAY_EXIT,
    }
)
ARRIVALS_ON_FOOT = HUB_KINDS - {Checkpoint.Kind.MOTORWAY_EXIT}


def is_hub_kind(kind: str) -> bool:
    """Whether a checkpoint kind is a transport-hub screening point (机场、车站、码头、高速出口)."""
    return kind in HUB_KINDS


class Disposition(models.TextChoices):
    LET_THROUGH = "through", _("放行")
    TURNED_BACK = "back", _("劝返")
    HANDED_OVER = "handover", _("登记后移交属地")
    FEVER_CLINIC = "clinic", _("送发热门诊")
    OBSERVATION = "observe", _("留观")  # the on-site observation room of a transport hub


class Passage(models.Model):
    """One stop at a checkpoint: the vehicle, the journey and the people in it."""

    class VehicleType(models.TextChoices):
        CAR = "car", _("小型客车")
        BUS = "bus", _("大中型客车")
        TRUCK = "truck", _("货车")
        MOTORCYCLE = "moto", _("摩托车")
        NON_MOTOR = "bike", _("电动车/自行车")
        ON_FOOT = "foot", _("步行")
        OTHER = "other", _("其他")

    class Direction(models.TextChoices):
        IN = "in", _("进入")
        OUT = "out", _("外出")

    checkpoint = models.ForeignKey(
        Checkpoint, verbose_name=_("卡口"), on_delete=models.PROTECT, related_name="passages"
    )
    district = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    town = chain_copy()
    village = chain_copy()
    checked_at = models.DateTimeField(_("检查时间"))
    day = models.DateField(_("日期"))
    direction = models.CharField(_("方向"), max_length=3, choices=Direction.choices, default=Direction.IN)
    plate = models.CharField(_("车牌号"), max_length=12, blank=True)
    plate_warnings = models.JSONField(_("车牌提示"), default=list, blank=True)
    vehicle_type = models.CharField(_("车辆类型"), max_length=5, choices=VehicleType.choices)
    origin = models.CharField(_("出发地"), max_length=100, blank=True)
    destination = models.CharField(_("目的地"), max_length=100, blank=True)
    destination_region = models.ForeignKey(
        Region, verbose_name=_("目的地（本区）"), on_delete=models.PROTECT, related_name="+", null=True,
        blank=True,
    )  # fmt: skip
    # A destination outside the district (transport hubs): the 外地人员移交清单 is grouped by it.
    destination_province = models.CharField(_("目的地省份"), max_length=20, blank=True)
    destination_city = models.CharField(_("目的地城市"), max_length=30, blank=True)
    service_no = models.CharField(_("车次/航班/班次"), max_length=20, blank=True)
    purpose = models.CharField(_("事由"), max_length=100, blank=True)
    from_outbreak_area = models.BooleanField(_("来自重点地区"), default=False)
    via_outbreak_area = models.BooleanField(_("途经重点地区"), default=False)
    disposition = models.CharField(_("处置"), max_length=10, choices=Disposition.choices)
    local_contact = models.CharField(_("本地联系人"), max_length=100, blank=True)
    people_count = models.PositiveSmallIntegerField(_("人数"), default=0)
    fever_count = models.PositiveSmallIntegerField(_("发热人数"), default=0)
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("检查人员"), on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(_("提交标识"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("通行登记")
        indexes = [
            models.Index(fields=["checkpoint", "day"], name="passage_checkpoint_day_idx"),
            models.Index(fields=["district", "day"], name="passage_district_day_idx"),
            models.Index(fields=["town", "day"], name="passage_town_day_idx"),
            models.Index(fields=["village", "day"], name="passage_village_day_idx"),
            models.Index(fields=["plate"], name="passage_plate_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["checked_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="passage_idempotency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.checkpoint} {self.plate or self.get_vehicle_type_display()}"

    @property
    def has_vehicle(self) -> bool:
        return self.vehicle_type != self.VehicleType.ON_FOOT

    @property
    def outside_district(self) -> bool:
        """Heading for a place outside the district (a province was given, no village of ours)."""
        return self.destination_region_id is None and bool(self.destination_province)

    @property
    def outside_destination(self) -> str:
        """The destination outside the district as written (``hubs.outside_text`` composed it)."""
        if not self.outside_district:
            return ""
        return self.destination or f"{self.destination_province}{self.destination_city}"


class PassagePerson(models.Model):
    """A driver or passenger as registered at the barrier, linked to the registry when known."""

    class Seat(models.TextChoices):
        DRIVER = "driver", _("驾驶员")
        PASSENGER = "passenger", _("乘车人")

    passage = models.ForeignKey(Passage, on_delete=models.CASCADE, related_name="people")
    seq = models.PositiveSmallIntegerField(_("序号"))
    seat = models.CharField(_("身份"), max_length=10, choices=Seat.choices)
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="passages", null=True,
        blank=True,
    )  # fmt: skip
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("身份证号"), max_length=32, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    temperature = models.DecimalField(_("体温"), max_digits=3, decimal_places=1, null=True, blank=True)
    fever = models.BooleanField(_("发热"), default=False)
    disposition = models.CharField(_("处置"), max_length=10, choices=Disposition.choices)

    class Meta:
        verbose_name = _("通行人员")
        ordering = ["passage_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["passage", "seq"], name="passage_person_seq")]
        indexes = [
            models.Index(fields=["id_number"], name="passage_person_id_idx"),
            models.Index(fields=["phone"], name="passage_person_phone_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Handover(TimeStamped):
    """A traveller handed by a checkpoint to their destination village: a lead for its grid workers."""

    class Status(models.TextChoices):
        OPEN = "open", _("待接收")
        RECEIVED = "received", _("已接收")
        NOT_FOUND = "not_found", _("未找到")

    passage_person = models.OneToOneField(PassagePerson, on_delete=models.CASCADE, related_name="handover")
    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name=_("移交至"), on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    town = chain_copy()
    village = chain_copy()
    grid = chain_copy()
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    note = models.CharField(_("处理情况"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("卡口移交")
        indexes = [
            models.Index(fields=["village", "status"], name="handover_village_idx"),
            models.Index(fields=["town", "status"], name="handover_town_idx"),
            models.Index(fields=["grid", "status"], name="handover_grid_idx"),
            models.Index(fields=["district", "status"], name="handover_district_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.region}"


class HubObservation(models.Model):
    """A traveller's stay in a transport hub's observation room (留观室): put there with fever at
    registration, re-checked, and ended by an outcome. Open while ``outcome`` is empty: the room's
    occupancy is derived from these rows, never kept as a counter."""

    class Outcome(models.TextChoices):
        RELEASED = "released", _("复测正常放行")
        CLINIC = "clinic", _("送发热门诊")
        OTHER = "other", _("其他")

    passage_person = models.OneToOneField(PassagePerson, on_delete=models.CASCADE, related_name="observation")
    checkpoint = models.ForeignKey(
        Checkpoint, verbose_name=_("卡口"), on_delete=models.PROTECT, related_name="observations"
    )
    started_at = models.DateTimeField(_("进入留观室时间"))
    # Re-checks as [{"at": ISO time, "temperature": "37.1", "fever": bool, "by": staff name}], oldest first.
    rechecks = models.JSONField(_("复测体温"), default=list, blank=True)
    outcome = models.CharField(_("留观结果"), max_length=10, choices=Outcome.choices, blank=True)
    clinic_name = models.CharField(_("发热门诊名称"), max_length=100, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("处理人"), on_delete=models.PROTECT, related_name="+",
        null=True, blank=True,
    )  # fmt: skip

    class Meta:
        verbose_name = _("留观记录")
        indexes = [models.Index(fields=["checkpoint", "outcome"], name="hub_observation_open_idx")]

    def __str__(self) -> str:
        return f"{self.checkpoint} {self.passage_person}"

    @property
    def is_open(self) -> bool:
        return not self.outcome

    @property
    def last_temperature(self) -> str:
        if self.rechecks:
            return str(self.rechecks[-1].get("temperature", ""))
        temperature = self.passage_person.temperature
        return "" if temperature is None else str(temperature)


class RoadNetwork(TimeStamped):
    """An imported road file and district boundary, with the last coverage analysis of it.

    The files are kept as uploaded (compressed) so the analysis can be run again when checkpoints
    change; ``analysis`` is ``roadnet.Coverage.to_dict()`` for the checkpoints named by
    ``analysis_key`` (a digest of their ids and locations), recomputed when that changes.
    """

    district = models.ForeignKey(Region, verbose_name=_("区县"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=100)
    roads = models.BinaryField(_("道路数据"))
    boundary = models.BinaryField(_("边界数据"))
    feature_count = models.PositiveIntegerField(_("道路要素数"), default=0)
    edge_count = models.PositiveIntegerField(_("路段数"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    current = models.BooleanField(_("当前使用"), default=True)
    analysis = models.JSONField(_("覆盖分析"), null=True, blank=True)
    analysis_key = models.CharField(max_length=64, blank=True)
    analysed_at = models.DateTimeField(_("分析时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("路网")
        indexes = [models.Index(fields=["district", "current"], name="roadnet_district_idx")]

    def __str__(self) -> str:
        return self.name
