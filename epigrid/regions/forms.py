from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.files import File
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from epigrid.core.roles import Role

MAX_IMPORT_BYTES = 20 * 1024 * 1024  # a district's full tree with boundaries is a few MB


def _not_too_large(upload: File[Any]) -> None:
    if upload.size is not None and upload.size > MAX_IMPORT_BYTES:
        raise forms.ValidationError(_("文件超过 20 MB，请拆分后导入。"), code="too_large")


class RegionImportForm(forms.Form):
    file = forms.FileField(
        label=_("区域文件（CSV 或 xlsx：区划代码、名称、上级代码、层级）"),
        validators=[FileExtensionValidator(["csv", "xlsx"]), _not_too_large],
    )


class BoundaryImportForm(forms.Form):
    file = forms.FileField(
        label=_("边界文件（GeoJSON，要素属性 code 为区划代码）"),
        validators=[FileExtensionValidator(["geojson", "json"]), _not_too_large],
    )


def _codes(value: str) -> list[str]:
    """Split "620188100, 620188101；620188102" into codes (commas, Chinese punctuation or spaces)."""
    for separator in "，,；;、\n\t":
        value = value.replace(separator, " ")
    return list(dict.fromkeys(part for part in value.split(" ") if part))


class StaffForm(forms.Form):
    """Create or edit an account; ``grants`` limits the roles offered to what the editor may grant."""

    username = forms.RegexField(
        label=_("用户名"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={"invalid": _("用户名只能包含字母、数字和 @/./+/-/_")},
    )
    display_name = forms.CharField(label=_("姓名"), max_length=50)
    role = forms.ChoiceField(label=_("角色"))
    region_codes = forms.CharField(
        label=_("工作区域（区划代码，多个用逗号分隔）"), max_length=2000, widget=forms.TextInput
    )
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    organisation = forms.CharField(label=_("单位"), max_length=100, required=False)
    is_active = forms.BooleanField(label=_("允许登录"), required=False, initial=True)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args: Any, grants: frozenset[str], editing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        if isinstance(role, forms.ChoiceField):
            role.choices = [(value, label) for value, label in Role.choices if value in grants]
        if editing:
            del self.fields["username"]
            del self.fields["password"]
        else:
            del self.fields["is_active"]

    def account(self) -> dict[str, Any]:
        """Return the cleaned fields that create and update both take."""
        names = ("role", "region_codes", "display_name", "phone", "organisation")
        return {name: self.cleaned_data[name] for name in names}

    def clean_region_codes(self) -> list[str]:
        return _codes(self.cleaned_data["region_codes"])

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class PasswordResetForm(forms.Form):
    password = forms.CharField(label=_("新密码"), widget=forms.PasswordInput, strip=False)

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password
