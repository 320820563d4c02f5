"""Users, the audit log and log-in failures."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from epigrid.core.roles import Capabilities, Role, capabilities


class TimeStamped(models.Model):
    """Base for every domain table: when a row was created and last changed."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class User(AbstractUser):
    """A person who logs in: one role, one or more assigned regions (``regions.Assignment``)."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.GRID_WORKER)
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    organisation = models.CharField(_("单位"), max_length=100, blank=True)

    @property
    def caps(self) -> Capabilities:
        return capabilities(self.role)

    def __str__(self) -> str:
        return self.display_name or self.username


class AuditEvent(models.Model):
    """One write, one opening of a personal record, one export or one log-in event.

    ``detail`` names fields and counts, never personal values: the audit log is itself read by
    administrators who must not see ID numbers through it.
    """

    class Action(models.TextChoices):
        READ = "read", _("查看")
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        IMPORT = "import", _("导入")
        EXPORT = "export", _("导出")
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOCKED = "locked", _("账号锁定")
        DENIED = "denied", _("拒绝访问")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        User, verbose_name=_("用户"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("对象类型"), max_length=50, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=50, blank=True)
    region_path = models.CharField(_("区域路径"), max_length=255, blank=True, db_index=True)
    detail = models.JSONField(_("说明"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type}#{self.object_id}"


class LoginFailure(models.Model):
    """A failed log-in; a lockout is derived from recent rows, not stored as a flag."""

    username = models.CharField(max_length=150, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("登录失败记录")

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """A personal API token: a machine client (a department's system) acts as ``user``.

    Only the SHA-256 of the token is stored (the token is 256 random bits, so no salt or slow hash is
    needed); ``prefix`` names it in lists without revealing it. A revoked token is kept for the
    audit trail. A token stops working at ``expires_at`` (null only for tokens issued before expiry
    existed). Created and revoked by ``epigrid api-token``, by its owner on the 我的 API 令牌 page and
    through ``/api/v1/tokens`` (``epigrid.core.tokens``).
    """

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class RateCount(models.Model):
    """Requests counted per client key and fixed time window, shared by every web worker process.

    ``bucket`` is the window's number (Unix seconds // window length). Rows older than a few windows
    are deleted as new windows begin (``epigrid.core.ratelimit``); they hold a client address for at
    most that long.
    """

    scope = models.CharField(max_length=30)
    key = models.CharField(max_length=64)
    bucket = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key", "bucket"], name="ratecount_scope_key_bucket"),
        ]
        indexes = [models.Index(fields=["bucket"], name="ratecount_bucket_idx")]

    def __str__(self) -> str:
        return f"{self.scope} {self.bucket} {self.count}"
