"""Forms of the checkpoint pages: they parse input only; the rules are in ``services`` and ``roads``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from epigrid.checkpoints.models import Checkpoint, Disposition, Passage
from epigrid.checkpoints.services import PassageInput, PersonInput
from epigrid.regions.models import Region

_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
MAX_ROWS = 12  # people rows on one phone screen; a coach is entered through the API or in two parts
START_ROWS = 2


class CheckpointForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("卡口名称"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=Checkpoint.Kind.choices)
    region = forms.ModelChoiceField(label=gettext_lazy("所在区域"), queryset=Region.objects.none())
    road_name = forms.CharField(label=gettext_lazy("所在道路"), max_length=100, required=False)
    longitude = forms.FloatField(
        label=gettext_lazy("经度"), required=False, help_text=gettext_lazy("如 114.3056，用于路网覆盖分析")
    )
    latitude = forms.FloatField(label=gettext_lazy("纬度"), required=False)
    unit = forms.CharField(label=gettext_lazy("责任单位"), max_length=100, required=False)
    person_in_charge = forms.CharField(label=gettext_lazy("责任人"), max_length=50, required=False)
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=20, required=False)
    opens_at = forms.TimeField(
        label=gettext_lazy("开放时间"), required=False, widget=_TIME, help_text=gettext_lazy("全天开放则不填")
    )
    closes_at = forms.TimeField(label=gettext_lazy("关闭时间"), required=False, widget=_TIME)
    staff = forms.CharField(label=gettext_lazy("值守人员"), max_length=200, required=False)
    active = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)
    observation_places = forms.IntegerField(
        label=gettext_lazy("留观室位置数"), required=False, min_value=0, initial=0,
        help_text=gettext_lazy("机场、车站、码头、高速出口检测点的现场留观室；其他卡口填0"),
    )  # fmt: skip

    def __init__(self, *args: Any, regions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if regions is not None:
            self.fields["region"].queryset = regions  # type: ignore[attr-defined]


def _people(data: Any, rows: int) -> list[PersonInput]:
    people = []
    for i in range(1, rows + 1):
        people.append(
            PersonInput(
                name=data.get(f"p{i}-name", "")[:60],
                id_number=data.get(f"p{i}-id_number", "")[:40],
                phone=data.get(f"p{i}-phone", "")[:30],
                temperature=data.get(f"p{i}-temperature", "")[:10],
                disposition=data.get(f"p{i}-disposition", ""),
            )
        )
    return people


def row_count(data: Any) -> int:
    try:
        rows = int(data.get("rows", START_ROWS))
    except (TypeError, ValueError):
        rows = START_ROWS
    return max(1, min(rows, MAX_ROWS))


def passage_input(data: Any, *, destination: Region | None) -> PassageInput:
    """Read the registration form (``p1-name``, ``p1-id_number`` … for the people rows)."""
    return PassageInput(
        vehicle_type=data.get("vehicle_type", ""),
        plate=data.get("plate", "")[:20],
        direction=data.get("direction", Passage.Direction.IN),
        origin=data.get("origin", "")[:120],
        destination=data.get("destination", "")[:120],
        destination_region=destination,
        purpose=data.get("purpose", "")[:120],
        from_outbreak_area=data.get("from_outbreak_area") == "1",
        via_outbreak_area=data.get("via_outbreak_area") == "1",
        disposition=data.get("disposition", Disposition.LET_THROUGH),
        local_contact=data.get("local_contact", "")[:120],
        notes=data.get("notes", "")[:220],
        idempotency_key=data.get("key", "")[:64],
        people=_people(data, row_count(data)),
        service_no=data.get("service_no", "")[:30],
        destination_province=data.get("destination_province", "")[:30] if destination is None else "",
        destination_city=data.get("destination_city", "")[:40] if destination is None else "",
    )
