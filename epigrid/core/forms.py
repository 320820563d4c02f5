"""The log-in form with lockout."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from epigrid.core.audit import client_ip, valid_ip
from epigrid.core.services import login_address_is_locked, login_failure_record, login_is_locked

LOCKED_MESSAGE = _("登录失败次数过多，账号已暂时锁定，请稍后再试或联系管理员。")
ADDRESS_LOCKED_MESSAGE = _("此网络地址登录失败次数过多，已暂停登录，请稍后再试或联系管理员。")


class LockoutAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码错误。"),
        "locked": LOCKED_MESSAGE,
        "address_locked": ADDRESS_LOCKED_MESSAGE,
    }

    def clean(self) -> dict[str, Any]:
        username = (self.cleaned_data.get("username") or "").strip()
        ip = valid_ip(client_ip(self.request))
        # Checked before authenticate(): a locked account or address must not confirm a right password.
        if username and login_address_is_locked(ip=ip):
            raise forms.ValidationError(self.error_messages["address_locked"], code="address_locked")
        if username and login_is_locked(username=username):
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            return super().clean()
        except forms.ValidationError:
            if username:
                locked = login_failure_record(username=username, ip=ip)
                if login_address_is_locked(ip=ip):
                    code = "address_locked"
                    raise forms.ValidationError(self.error_messages[code], code=code) from None
                if locked:
                    raise forms.ValidationError(self.error_messages["locked"], code="locked") from None
            raise
