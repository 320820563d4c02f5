"""Forms of the case pages: they parse input only; the rules are in ``services`` and ``contacts``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from epigrid.cases.models import Classification, ClassificationChange, Contact, Measure
from epigrid.cases.transitions import label
from epigrid.monitoring.models import Room
from epigrid.people.models import Person
from epigrid.regions.models import Region

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_DATE_ERRORS = {"invalid": gettext_lazy("日期无效，请按 2020-01-28 的格式填写")}


class ClassifyForm(forms.Form):
    to = forms.ChoiceField(label=gettext_lazy("改为"))
    reason = forms.CharField(
        label=gettext_lazy("判定依据"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    onset_date = forms.DateField(
        label=gettext_lazy("发病日期"), required=False, widget=_DATE, error_messages=_DATE_ERRORS
    )
    source = forms.ChoiceField(
        label=gettext_lazy("来源"),
        choices=ClassificationChange.Source.choices,
        initial=ClassificationChange.Source.MANUAL,
    )
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, allowed: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        wanted = set(allowed)
        choices = [(code, label(code)) for code in Classification.values if code in wanted]
        self.fields["to"].choices = choices  # type: ignore[attr-defined]


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("措施"), choices=Measure.Kind.choices)
    room = forms.ModelChoiceField(
        label=gettext_lazy("隔离点房间"),
        queryset=Room.objects.none(),
        required=False,
        empty_label="—",
        help_text=gettext_lazy("集中医学观察时选择"),
    )
    last_exposure = forms.DateField(
        label=gettext_lazy("末次暴露日期"),
        required=False,
        widget=_DATE,
        error_messages=_DATE_ERRORS,
        help_text=gettext_lazy("医学观察自此日起计算"),
    )
    place = forms.CharField(label=gettext_lazy("地点"), max_length=100, required=False)
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, rooms: Iterable[Room] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset = Room.objects.filter(pk__in=[r.pk for r in rooms]).select_related("site")
        self.fields["room"].queryset = queryset  # type: ignore[attr-defined]


class ContactForm(forms.Form):
    """Either ``contact_id`` (picked from the registry lookup) or the new person's fields."""

    q = forms.CharField(label=gettext_lazy("查找已登记人员"), max_length=60, required=False)
    contact_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50, required=False)
    sex = forms.ChoiceField(
        label=gettext_lazy("性别"), choices=[("", "—"), *Person.Sex.choices], required=False
    )
    id_number = forms.CharField(label=gettext_lazy("身份证号"), max_length=40, required=False)
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=40, required=False)
    same_household = forms.BooleanField(label=gettext_lazy("与病例同户居住"), required=False)
    region = forms.ModelChoiceField(
        label=gettext_lazy("现住址所在镇/村"), queryset=Region.objects.none(), required=False, empty_label="—"
    )
    setting = forms.ChoiceField(label=gettext_lazy("接触方式"), choices=Contact.Setting.choices)
    last_exposure = forms.DateField(
        label=gettext_lazy("末次接触日期"), widget=_DATE, error_messages=_DATE_ERRORS
    )
    source = forms.CharField(
        label=gettext_lazy("信息来源"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("如：流调报告、病例自述、单位提供"),
    )

    def __init__(self, *args: Any, regions: Iterable[Region] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset = Region.objects.filter(pk__in=[r.pk for r in regions]).order_by("level")
        self.fields["region"].queryset = queryset  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("contact_id") and not (data.get("name") or "").strip():
            self.add_error("name", gettext_lazy("请从查找结果中选择人员，或填写新人员的姓名。"))
        return data
