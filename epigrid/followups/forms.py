"""Forms of the follow-up pages: they parse input only; the rules are in ``services``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from epigrid.core.models import User
from epigrid.followups.models import Task
from epigrid.volunteers.models import VolunteerTeam

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
ERR_ASSIGNEE_CHOICE = _("负责人须为负责该单位的工作人员（其工作区域应包含该单位）。")
_DUE_FORMATS = [DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def _due_field(required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=_("截止时间"),
        required=required,
        input_formats=_DUE_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={
            "required": _("请填写截止时间。"),
            "invalid": _("请按“年-月-日 时:分”填写截止时间。"),
        },
    )


class TaskForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("任务类型"), choices=Task.Kind.choices, error_messages={"required": _("请选择任务类型。")}
    )
    title = forms.CharField(
        label=_("任务内容"), max_length=100, error_messages={"required": _("请填写任务内容。")},
        widget=forms.TextInput(attrs={"placeholder": _("如：上门复测体温并登记")}),
    )  # fmt: skip
    details = forms.CharField(
        label=_("说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    assignee = forms.TypedChoiceField(
        label=_("负责人"), coerce=int, choices=[],
        error_messages={"required": _("请选择负责人。"), "invalid_choice": ERR_ASSIGNEE_CHOICE},
    )  # fmt: skip
    team = forms.CharField(
        label=_("执行队伍"), max_length=100, required=False,
        widget=forms.TextInput(attrs={"placeholder": _("可选，如：李家店村党员突击队")}),
    )  # fmt: skip
    volunteer_team = forms.TypedChoiceField(
        label=_("志愿服务队"), coerce=int, choices=[], required=False, empty_value=None,
        error_messages={"invalid_choice": _("所选志愿服务队不在任务所属单位，也不在其上级或下级。")},
    )  # fmt: skip
    due_at = _due_field()

    def __init__(
        self,
        *args: Any,
        assignees: list[User] | None = None,
        teams: list[VolunteerTeam] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(u.pk, f"{u} · {u.get_role_display()}") for u in assignees or []]
        self.fields["assignee"].choices = choices  # type: ignore[attr-defined]
        team_choices = [("", "—")] + [(t.pk, f"{t.name}（{t.region.name}）") for t in teams or []]
        self.fields["volunteer_team"].choices = team_choices  # type: ignore[attr-defined]


class CompleteForm(forms.Form):
    outcome = forms.CharField(
        label=_("完成情况"), max_length=500, error_messages={"required": _("请填写完成情况。")},
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("如：已上门，体温36.5℃，无异常")}),
    )  # fmt: skip


def due_initial(moment: dt.datetime) -> str:
    """A default due time: four hours on, on the hour, as the datetime-local input wants it."""
    local = timezone.localtime(moment) + dt.timedelta(hours=4)
    return local.replace(minute=0, second=0, microsecond=0).strftime(DATETIME_LOCAL)
