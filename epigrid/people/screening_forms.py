"""Forms of the screening pages: they parse what was typed; the rules live in ``people.screening``."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from epigrid.lib.idcard import clean_input
from epigrid.people.models import Measure, Person, Symptom, TravelRecord
from epigrid.people.screening import EntryInput, NewPerson, TravelInput

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # types only: django-stubs is a dev dependency

ERR_TEMPERATURE_NUMBER = _("请输入数字体温，如 36.5")
ERR_DATE = _("日期无效，请按 2020-01-28 的格式填写")
ERR_DATETIME = _("时间无效，请按 2020-01-28 09:30 的格式填写")
ERR_VISITED_AT_REQUIRED = _("请填写摸排时间")
ERR_KEY = _("表单标识无效，请重新打开摸排页面")

# Row keys: "p<person id>" for a registered person, "n<6 hex digits>" for someone new.
NEW_ROW_RE = re.compile(r"n[0-9a-f]{6}")
ROWS_MAX = 40
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class TemperatureField(forms.CharField):
    """A temperature as a phone keyboard types it: "36.5", "36,5", full-width digits; blank is none."""

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = clean_input(str(value or "")).replace(",", ".").replace("。", ".").removesuffix("℃")
        text = text.removesuffix("°C").removesuffix("°")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(ERR_TEMPERATURE_NUMBER, code="invalid") from None
        if not number.is_finite():
            raise forms.ValidationError(ERR_TEMPERATURE_NUMBER, code="invalid")
        return number


def _date_field(label: StrOrPromise) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": ERR_DATE},
    )


class ScreeningForm(forms.Form):
    """The visit itself: when, what was done, notes, and the key that makes a resend harmless."""

    key = forms.RegexField(
        regex=r"^[0-9a-f]{32}$",
        widget=forms.HiddenInput,
        error_messages={"invalid": ERR_KEY, "required": ERR_KEY},
    )
    visited_at = forms.DateTimeField(
        label=_("摸排时间"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={"required": ERR_VISITED_AT_REQUIRED, "invalid": ERR_DATETIME},
    )
    measures = forms.MultipleChoiceField(
        label=_("采取措施"), choices=Measure.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    notes = forms.CharField(label=_("备注"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class EntryForm(forms.Form):
    """One person's row: presence, temperature, symptoms and, for a returnee, the journey."""

    present = forms.BooleanField(label=_("在家"), required=False, initial=True)
    whereabouts = forms.CharField(label=_("去向（不在家时）"), required=False)
    temperature = TemperatureField(label=_("体温 °C"), required=False)
    symptoms = forms.MultipleChoiceField(
        label=_("症状"), choices=Symptom.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    returnee = forms.BooleanField(label=_("返乡人员（近期从外地返回）"), required=False)
    origin = forms.CharField(label=_("从何地返回"), required=False)
    from_outbreak_area = forms.BooleanField(label=_("来自疫区（武汉/湖北）"), required=False)
    via_outbreak_area = forms.BooleanField(label=_("途经疫区"), required=False)
    left_on = _date_field(_("离开日期"))
    arrived_on = _date_field(_("返回日期"))
    transport = forms.ChoiceField(
        label=_("交通工具"), choices=[("", "—"), *TravelRecord.Transport.choices], required=False
    )
    transport_no = forms.CharField(label=_("车次/航班/车牌"), required=False)
    companions = forms.CharField(label=_("同行人员"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["temperature"].widget.attrs.update(
            {"inputmode": "decimal", "autocomplete": "off", "placeholder": "36.5", "class": "temp"}
        )
        self.fields["origin"].widget.attrs["placeholder"] = str(_("如 武汉市、广州市（途经武汉）"))

    def travel(self) -> TravelInput | None:
        data = self.cleaned_data
        if not data.get("returnee"):
            return None
        return TravelInput(
            origin=data.get("origin", ""),
            from_outbreak_area=bool(data.get("from_outbreak_area")),
            via_outbreak_area=bool(data.get("via_outbreak_area")),
            left_on=data.get("left_on"),
            arrived_on=data.get("arrived_on"),
            transport=data.get("transport", ""),
            transport_no=data.get("transport_no", ""),
            companions=data.get("companions", ""),
        )

    def entry(
        self, *, key: str, person_id: int | None = None, new_person: NewPerson | None = None
    ) -> EntryInput:
        """Return the row as the service's input (call after ``is_valid``)."""
        data = self.cleaned_data
        return EntryInput(
            key=key,
            person_id=person_id,
            new_person=new_person,
            present=bool(data.get("present")),
            whereabouts=data.get("whereabouts", ""),
            temperature=data.get("temperature"),
            symptoms=tuple(data.get("symptoms", ())),
            travel=self.travel(),
        )


class NewPersonForm(EntryForm):
    """Someone found at the door who is not in the registry: who they are, then the same row."""

    name = forms.CharField(label=_("姓名"), required=False)
    sex = forms.ChoiceField(
        label=_("性别"), choices=Person.Sex.choices, widget=forms.RadioSelect, required=False
    )
    id_number = forms.CharField(label=_("身份证号"), required=False)
    phone = forms.CharField(label=_("联系电话"), required=False)
    relation = forms.CharField(label=_("与户主关系"), required=False)

    field_order = ["name", "sex", "id_number", "phone", "relation"]

    def __init__(self, *args: Any, lookup_url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "maxlength": "20"})
        self.fields["phone"].widget.attrs.update(
            {"inputmode": "tel", "autocomplete": "off", "maxlength": "20"}
        )
        if lookup_url:
            # Typing an ID number or a phone asks the server who already has it (people.screening_selectors).
            both = f"[name='{self.add_prefix('id_number')}'],[name='{self.add_prefix('phone')}']"
            for name in ("id_number", "phone"):
                self.fields[name].widget.attrs.update(
                    {
                        "hx-get": f"{lookup_url}?row={self.prefix}",
                        "hx-trigger": "input changed delay:400ms",
                        "hx-target": f"#{self.prefix}-lookup",
                        "hx-include": both,
                        "hx-sync": "closest .entry:replace",
                    }
                )

    def blank(self) -> bool:
        """Tell whether nothing was typed into an added row, which is then skipped ("present" is preset)."""
        data = self.cleaned_data
        return not any(
            value not in (None, "", False, []) for name, value in data.items() if name != "present"
        )

    def new_person(self) -> NewPerson:
        data = self.cleaned_data
        return NewPerson(
            name=data.get("name", ""),
            sex=data.get("sex", ""),
            id_number=data.get("id_number", ""),
            phone=data.get("phone", ""),
            relation=data.get("relation", ""),
        )


def visited_at_initial(now: dt.datetime) -> str:
    """Return the local time as the datetime-local input wants it."""
    return timezone.localtime(now).strftime(DATETIME_LOCAL)
