from __future__ import annotations

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _


class RegionImportForm(forms.Form):
    file = forms.FileField(
        label=_("区域文件（CSV 或 xlsx：区划代码、名称、上级代码、层级）"),
        validators=[FileExtensionValidator(["csv", "xlsx"])],
    )


class BoundaryImportForm(forms.Form):
    file = forms.FileField(
        label=_("边界文件（GeoJSON，要素属性 code 为区划代码）"),
        validators=[FileExtensionValidator(["geojson", "json"])],
    )
