"""Forms of the department-list pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from epigrid.lists.columns import FIELD_LABELS, FIELDS, column_letter


class ListUploadForm(forms.Form):
    source = forms.CharField(label=_("来源部门（如 区教育局）"), max_length=60)
    number = forms.IntegerField(label=_("批次（留空则从标题识别）"), min_value=1, required=False)
    file = forms.FileField(
        label=_("名单文件（xlsx、xls 或 csv）"), validators=[FileExtensionValidator(["xlsx", "xls", "csv"])]
    )


class MappingForm(forms.Form):
    """One select per spreadsheet column: which field it holds, or none."""

    def __init__(self, *args: Any, headers: list[str], mapping: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of_column = {int(column): name for name, column in mapping.items()}
        choices = [("", "—"), *[(name, FIELD_LABELS.get(name, name)) for name in FIELDS]]
        for index, header in enumerate(headers):
            self.fields[f"col{index}"] = forms.ChoiceField(
                label=f"{column_letter(index)} {header}",
                choices=choices,
                required=False,
                initial=field_of_column.get(index, ""),
            )

    def mapping(self) -> dict[str, int]:
        """Return field -> column from the selects; a field chosen twice keeps its first column."""
        result: dict[str, int] = {}
        for key, value in self.cleaned_data.items():
            if value and value not in result:
                result[value] = int(key.removeprefix("col"))
        return result

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = [v for v in cleaned.values() if v]
        if "name" not in chosen:
            raise forms.ValidationError(_("请指定“姓名”所在的列"))
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError(_("同一字段只能对应一列"))
        return cleaned
