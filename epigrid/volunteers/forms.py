"""Forms of the volunteer and roster pages: they parse input only; the rules are in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from epigrid.core.models import User
from epigrid.regions.models import Region
from epigrid.volunteers.models import Duty, Volunteer, VolunteerTeam

_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The choices are the caller's scope, set in __init__; Region.objects.none() until then.
_NONE: Any = Region.objects.none()
_PHONE = forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"})


class TeamForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("队伍名称"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=VolunteerTeam.Kind.choices)
    region = forms.ModelChoiceField(label=gettext_lazy("所属区域"), queryset=_NONE)
    leader = forms.ModelChoiceField(label=gettext_lazy("队长"), queryset=_NONE, required=False)
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)
    active = forms.BooleanField(label=gettext_lazy("在岗"), required=False, initial=True)

    def __init__(self, *args: Any, regions: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        self.fields["leader"].queryset = members  # type: ignore[attr-defined]
        if not members.exists():
            del self.fields["leader"]  # a new team has no members yet


class VolunteerForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=30, widget=_PHONE)
    kind = forms.ChoiceField(label=gettext_lazy("身份"), choices=Volunteer.Kind.choices)
    region = forms.ModelChoiceField(label=gettext_lazy("所在区域"), queryset=_NONE)
    team = forms.ModelChoiceField(label=gettext_lazy("所属队伍"), queryset=_NONE, required=False)
    grids = forms.ModelMultipleChoiceField(
        label=gettext_lazy("服务网格"), queryset=_NONE, required=False, widget=forms.CheckboxSelectMultiple
    )
    id_number = forms.CharField(
        label=gettext_lazy("身份证号"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("可不填：填写后关联本辖区的登记人员；修改时不填则保持原关联"),
    )
    user = forms.ModelChoiceField(
        label=gettext_lazy("工作人员账号"),
        queryset=_NONE,
        required=False,
        help_text=gettext_lazy("志愿者本人是工作人员时选择，以便发现重复排班"),
    )
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)
    active = forms.BooleanField(label=gettext_lazy("在岗"), required=False, initial=True)

    def __init__(self, *args: Any, regions: Any, teams: Any, grids: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["grids"].queryset = grids  # type: ignore[attr-defined]
        self.fields["user"].queryset = staff  # type: ignore[attr-defined]


def person_choices(staff: list[User], volunteers: list[Volunteer]) -> list[tuple[str, Any]]:
    """The "who" list: staff accounts ("u:<id>"), then volunteers by team ("v:<id>")."""
    groups: list[tuple[str, Any]] = [("", "—")]
    groups.append((str(gettext_lazy("工作人员")), [(f"u:{u.pk}", str(u)) for u in staff]))
    by_team: dict[str, list[tuple[str, str]]] = {}
    for volunteer in volunteers:
        label = volunteer.team.name if volunteer.team is not None else str(gettext_lazy("未编队志愿者"))
        by_team.setdefault(label, []).append(
            (f"v:{volunteer.pk}", f"{volunteer.name}（{volunteer.get_kind_display()}）")
        )
    groups.extend(by_team.items())
    return groups


class DutyForm(forms.Form):
    who = forms.ChoiceField(label=gettext_lazy("值班人员"))
    day = forms.DateField(label=gettext_lazy("日期"), widget=_DATE)
    starts_at = forms.TimeField(label=gettext_lazy("开始时间"), widget=_TIME)
    ends_at = forms.TimeField(
        label=gettext_lazy("结束时间"),
        widget=_TIME,
        help_text=gettext_lazy("早于开始时间表示次日结束（夜班20:00–08:00）；与开始时间相同表示24小时"),
    )
    duty_role = forms.ChoiceField(label=gettext_lazy("值班角色"), choices=Duty.Role.choices)
    phone = forms.CharField(
        label=gettext_lazy("联系电话"),
        max_length=30,
        required=False,
        widget=_PHONE,
        help_text=gettext_lazy("不填则用本人登记的电话"),
    )
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, who: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["who"].choices = who  # type: ignore[attr-defined]
