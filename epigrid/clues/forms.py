"""Forms of the staff pages: they parse input only; the rules are in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from epigrid.clues.models import ClueKind
from epigrid.regions.models import Region


class ClueForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=ClueKind.choices)
    region = forms.ModelChoiceField(label=gettext_lazy("地点"), queryset=Region.objects.none())
    place = forms.CharField(
        label=gettext_lazy("具体位置"), max_length=100, required=False,
        help_text=gettext_lazy("如：三组王家院子"),
    )  # fmt: skip
    description = forms.CharField(
        label=gettext_lazy("看到或听到的情况"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4})
    )
    contact_name = forms.CharField(label=gettext_lazy("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=20, required=False)
    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, regions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if regions is not None:
            self.fields["region"].queryset = regions  # type: ignore[attr-defined]


class LinkForm(forms.Form):
    village = forms.ModelChoiceField(label=gettext_lazy("村/社区"), queryset=Region.objects.none())
    label = forms.CharField(
        label=gettext_lazy("张贴位置"), max_length=100, required=False,
        help_text=gettext_lazy("如：村委会公告栏"),
    )  # fmt: skip

    def __init__(self, *args: Any, villages: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if villages is not None:
            self.fields["village"].queryset = villages  # type: ignore[attr-defined]
